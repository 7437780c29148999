internal import Crypto
import Foundation
internal import GRDB
public import SwarmProtocol

/// A token's record, without its secret (which is never stored, only its SHA-256).
public struct TokenInfo: Sendable, Hashable, Codable {
    public var id: Int64
    /// The agent id the token authenticates as.
    public var name: String
    public var role: Role
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?
}

extension EventStore {
    /// The prefix of every token secret, so a leaked one is easy to recognise and grep for.
    public static let tokenPrefix = "swm_"

    /// Creates a token and returns its record and its secret, which is shown once and stored only hashed.
    ///
    /// A name is one agent: a second active token for the same name (a rotation) must carry the
    /// same role, so an agent never has two roles at once.
    public func createToken(name: String, role: Role, at now: Timestamp) async throws -> (TokenInfo, String) {
        let secret = Self.newSecret()
        let hash = Self.hash(secret)
        let info: TokenInfo = try await writer.write { db in
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
        let secrets = names.map { _ in Self.newSecret() }
        return try await writer.write { db in
            var taken: [String] = []
            for name in names
            where try Bool.fetchOne(
                db, sql: "SELECT 1 FROM token WHERE name = ? AND revoked_at IS NULL LIMIT 1", arguments: [name]) == true
            {
                taken.append(name)
            }
            guard taken.isEmpty else {
                let shown = taken.prefix(10).joined(separator: ", ") + (taken.count > 10 ? ", …" : "")
                throw StoreError(
                    .token,
                    "\(taken.count) name(s) already have an active token: \(shown); no token was created (revoke those first, or leave them out of the file)"
                )
            }
            var created: [(TokenInfo, String)] = []
            for (name, secret) in zip(names, secrets) {
                try db.execute(
                    sql: "INSERT INTO token (name, role, hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [name, role.rawValue, Self.hash(secret), now.milliseconds])
                created.append(
                    (
                        TokenInfo(id: db.lastInsertedRowID, name: name, role: role, createdAt: now, revokedAt: nil),
                        secret
                    ))
            }
            return created
        }
    }

    /// A new secret: the prefix and 32 random bytes, base64url without padding.
    static func newSecret() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
        return Self.tokenPrefix
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The active token with this secret, or `nil` when it is unknown or revoked.
    public func authenticate(secret: String) throws -> TokenInfo? {
        guard secret.hasPrefix(Self.tokenPrefix), secret.utf8.count < 200 else { return nil }
        let hash = Self.hash(secret)
        return try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM token WHERE hash = ? AND revoked_at IS NULL", arguments: [hash])
                .map(Self.tokenInfo)
        }
    }

    /// Every token, active and revoked, oldest first.
    public func tokens() throws -> [TokenInfo] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY id").map(Self.tokenInfo) }
    }

    /// The role of the agent with this name, when it has an active token.
    public func activeRole(of name: String) throws -> Role? {
        try writer.read { db in
            try String.fetchOne(
                db, sql: "SELECT role FROM token WHERE name = ? AND revoked_at IS NULL LIMIT 1", arguments: [name]
            )
            .flatMap(Role.init(rawValue:))
        }
    }

    /// Revokes the token with this numeric id, or every active token of this name; returns the revoked ones.
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

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
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
