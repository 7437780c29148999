import Foundation
internal import GRDB
public import SwarmProtocol

extension SQLiteEventStore {
    /// A name is one agent: a second active token for the same name (a rotation) must carry the
    /// same role, so an agent never has two roles at once.
    public func createToken(name: String, role: Role, at now: Timestamp) async throws -> (TokenInfo, String) {
        let secret = TokenSecret.generate()
        let hash = TokenSecret.hash(secret)
        let info: TokenInfo = try await writer.write { db in
            if let problem = TokenNaming.problem(name, role: role, existing: try Self.namesAndRoles(db)) {
                throw StoreError(.token, problem)
            }
            if let existing = try String.fetchOne(
                db, sql: "SELECT role FROM token WHERE name = ? AND revoked_at IS NULL LIMIT 1", arguments: [name]),
                existing != role.rawValue
            {
                throw StoreError(
                    .token, "\(name) already has an active \(existing) token; revoke it first to change the role")
            }
            try db.execute(
                sql: "INSERT INTO token (name, role, hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, hash, now.milliseconds]
            )
            return TokenInfo(id: db.lastInsertedRowID, name: name, role: role, createdAt: now, revokedAt: nil)
        }
        return (info, secret)
    }

    /// Creates one token for each of `names` (all new: none may have an active token yet), in one
    /// transaction: either every token is created or, on any error, none. Returns them in order.
    public func createTokens(names: [String], role: Role, at now: Timestamp) async throws -> [(TokenInfo, String)] {
        let secrets = names.map { _ in TokenSecret.generate() }
        return try await writer.write { db in
            var taken: [String] = []
            for name in names
            where try Bool.fetchOne(
                db, sql: "SELECT 1 FROM token WHERE name = ? AND revoked_at IS NULL LIMIT 1", arguments: [name]) == true
            {
                taken.append(name)
            }
            guard taken.isEmpty else { throw TokenSecret.namesTaken(taken) }
            let existing = try Self.namesAndRoles(db)
            let problems = names.indices.compactMap { index in
                TokenNaming.problem(names[index], role: role, existing: existing, earlier: Array(names[..<index]))
            }
            guard problems.isEmpty else { throw TokenSecret.namesRefused(problems) }
            var created: [(TokenInfo, String)] = []
            for (name, secret) in zip(names, secrets) {
                try db.execute(
                    sql: "INSERT INTO token (name, role, hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [name, role.rawValue, TokenSecret.hash(secret), now.milliseconds])
                created.append(
                    (
                        TokenInfo(id: db.lastInsertedRowID, name: name, role: role, createdAt: now, revokedAt: nil),
                        secret
                    ))
            }
            return created
        }
    }

    /// Every name the token table has held, with its roles.
    static func namesAndRoles(_ db: Database) throws -> [(name: String, role: Role)] {
        try Row.fetchAll(db, sql: "SELECT DISTINCT name, role FROM token").compactMap { row in
            Role(rawValue: row["role"]).map { (row["name"], $0) }
        }
    }

    public func authenticate(secret: String) async throws -> TokenInfo? {
        guard TokenSecret.isWellFormed(secret) else { return nil }
        let hash = TokenSecret.hash(secret)
        return try await writer.read { db in
            // Every sign-in runs it: the statement is compiled once per connection of the pool.
            let statement = try db.cachedStatement(sql: "SELECT * FROM token WHERE hash = ? AND revoked_at IS NULL")
            return try Row.fetchOne(statement, arguments: [hash]).map(Self.tokenInfo)
        }
    }

    public func tokens() async throws -> [TokenInfo] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY id").map(Self.tokenInfo) }
    }

    public func activeRole(of name: String) async throws -> Role? {
        try await writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT role FROM token WHERE name = ? AND revoked_at IS NULL LIMIT 1", arguments: [name]
            )
            .flatMap(Role.init(rawValue:))
        }
    }

    public func role(ofName name: String) async throws -> Role? {
        try await writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT role FROM token WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [name]
            )
            .flatMap(Role.init(rawValue:))
        }
    }

    public func revokeTokens(_ idOrName: String, at now: Timestamp) async throws -> [TokenInfo] {
        try await writer.write { db in
            let rows: [Row]
            if let id = Int64(idOrName) {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM token WHERE id = ? AND revoked_at IS NULL", arguments: [id])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM token WHERE name = ? AND revoked_at IS NULL", arguments: [idOrName])
            }
            var revoked: [TokenInfo] = []
            for row in rows {
                var info = try Self.tokenInfo(row)
                try db.execute(
                    sql: "UPDATE token SET revoked_at = ? WHERE id = ?", arguments: [now.milliseconds, info.id])
                info.revokedAt = now
                revoked.append(info)
            }
            return revoked
        }
    }

    /// Every token with its hash, oldest first: what `swarmd migrate` copies.
    public func storedTokens() async throws -> [StoredToken] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY id").map {
                StoredToken(info: try Self.tokenInfo($0), hash: $0["hash"])
            }
        }
    }

    static func tokenInfo(_ row: Row) throws -> TokenInfo {
        let roleText: String = row["role"]
        guard let role = Role(rawValue: roleText) else {
            throw StoreError(.corruptRow, "token has unknown role \(roleText)")
        }
        let revoked: Int64? = row["revoked_at"]
        return TokenInfo(
            id: row["id"], name: row["name"], role: role, createdAt: Timestamp(milliseconds: row["created_at"]),
            revokedAt: revoked.map(Timestamp.init(milliseconds:))
        )
    }
}
