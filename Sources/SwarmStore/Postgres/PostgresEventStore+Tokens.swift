import PostgresNIO
public import SwarmProtocol

extension PostgresEventStore {
    /// A name is one agent: a second active token for the same name (a rotation) must carry the
    /// same role. The check and the insert are one transaction, serialised per name by an advisory
    /// lock, so two nodes cannot give one name two roles.
    public func createToken(name: String, role: Role, at now: Timestamp) async throws -> (TokenInfo, String) {
        let created = try await createTokens(names: [name], role: role, at: now, rotate: true)
        return created[0]
    }

    public func createTokens(names: [String], role: Role, at now: Timestamp) async throws -> [(TokenInfo, String)] {
        try await createTokens(names: names, role: role, at: now, rotate: false)
    }

    /// Creates a token per name in one transaction. With `rotate`, a name may already have active
    /// tokens of the same role; without it, any active token refuses the whole set.
    private func createTokens(names: [String], role: Role, at now: Timestamp, rotate: Bool) async throws
        -> [(TokenInfo, String)]
    {
        let secrets = names.map { _ in TokenSecret.generate() }
        let logger = self.logger
        return try await timed("create tokens") { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await connection.query(
                        "SELECT pg_advisory_xact_lock(hashtext('swarm.token'))", logger: logger)
                    var taken: [String] = []
                    for try await (takenName, takenRole) in try await connection.query(
                        "SELECT DISTINCT name, role FROM token WHERE name = ANY(\(names)) AND revoked_at IS NULL",
                        logger: logger
                    ).decode((String, String).self) {
                        if rotate {
                            guard takenRole == role.rawValue else {
                                throw StoreError(
                                    .token,
                                    "\(takenName) already has an active \(takenRole) token; revoke it first to change the role"
                                )
                            }
                        } else {
                            taken.append(takenName)
                        }
                    }
                    guard taken.isEmpty else {
                        throw TokenSecret.namesTaken(names.filter { Set(taken).contains($0) })
                    }
                    var existing: [(name: String, role: Role)] = []
                    for try await (name, role) in try await connection.query(
                        "SELECT DISTINCT name, role FROM token", logger: logger
                    ).decode((String, String).self) {
                        if let role = Role(rawValue: role) { existing.append((name, role)) }
                    }
                    let problems = names.indices.compactMap { index in
                        TokenNaming.problem(
                            names[index], role: role, existing: existing, earlier: Array(names[..<index]))
                    }
                    guard problems.isEmpty else { throw TokenSecret.namesRefused(problems) }
                    var created: [(TokenInfo, String)] = []
                    for (name, secret) in zip(names, secrets) {
                        let hash = TokenSecret.hash(secret)
                        for try await id in try await connection.query(
                            """
                            INSERT INTO token (name, role, hash, created_at)
                            VALUES (\(name), \(role.rawValue), \(hash), \(now.milliseconds)) RETURNING id
                            """, logger: logger
                        ).decode(Int64.self) {
                            created.append(
                                (
                                    TokenInfo(id: id, name: name, role: role, createdAt: now, revokedAt: nil),
                                    secret
                                ))
                        }
                    }
                    return created
                }
            }
        }
    }

    public func authenticate(secret: String) async throws -> TokenInfo? {
        guard TokenSecret.isWellFormed(secret) else { return nil }
        let hash = TokenSecret.hash(secret)
        return try await tokenInfos(
            "SELECT id, name, role, created_at, revoked_at FROM token WHERE hash = \(hash) AND revoked_at IS NULL"
        ).first
    }

    public func tokens() async throws -> [TokenInfo] {
        try await tokenInfos("SELECT id, name, role, created_at, revoked_at FROM token ORDER BY id")
    }

    public func activeRole(of name: String) async throws -> Role? {
        try await strings("SELECT role FROM token WHERE name = \(name) AND revoked_at IS NULL LIMIT 1")
            .first.flatMap(Role.init(rawValue:))
    }

    public func role(ofName name: String) async throws -> Role? {
        try await strings("SELECT role FROM token WHERE name = \(name) ORDER BY id DESC LIMIT 1")
            .first.flatMap(Role.init(rawValue:))
    }

    public func revokeTokens(_ idOrName: String, at now: Timestamp) async throws -> [TokenInfo] {
        if let id = Int64(idOrName) {
            return try await tokenInfos(
                """
                UPDATE token SET revoked_at = \(now.milliseconds) WHERE id = \(id) AND revoked_at IS NULL
                RETURNING id, name, role, created_at, revoked_at
                """)
        }
        return try await tokenInfos(
            """
            UPDATE token SET revoked_at = \(now.milliseconds) WHERE name = \(idOrName) AND revoked_at IS NULL
            RETURNING id, name, role, created_at, revoked_at
            """
        ).sorted { $0.id < $1.id }
    }

    /// Every token with its hash, oldest first.
    public func storedTokens() async throws -> [StoredToken] {
        try await timed("read tokens") { [client] in
            var tokens: [StoredToken] = []
            for try await (id, name, roleText, created, revoked, hash) in try await client.query(
                "SELECT id, name, role, created_at, revoked_at, hash FROM token ORDER BY id"
            ).decode((Int64, String, String, Int64, Int64?, String).self) {
                guard let role = Role(rawValue: roleText) else {
                    throw StoreError(.corruptRow, "token \(id) has unknown role \(roleText)")
                }
                let info = TokenInfo(
                    id: id, name: name, role: role, createdAt: Timestamp(milliseconds: created),
                    revokedAt: revoked.map(Timestamp.init(milliseconds:)))
                tokens.append(StoredToken(info: info, hash: hash))
            }
            return tokens
        }
    }

    /// Writes tokens as they are (ids, hashes, revocations) in one transaction, and moves the id
    /// sequence past them: `swarmd migrate` copies another store's tokens so every agent's secret
    /// keeps working.
    public func importTokens(_ tokens: [StoredToken]) async throws {
        let logger = self.logger
        try await timed("copy tokens", timeout: .seconds(60)) { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    for token in tokens {
                        let info = token.info
                        try await connection.query(
                            """
                            INSERT INTO token (id, name, role, hash, created_at, revoked_at)
                            VALUES (\(info.id), \(info.name), \(info.role.rawValue), \(token.hash),
                                \(info.createdAt.milliseconds), \(info.revokedAt?.milliseconds))
                            """, logger: logger)
                    }
                    try await connection.query(
                        "SELECT setval(pg_get_serial_sequence('token', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM token",
                        logger: logger)
                }
            }
        }
    }

    private func tokenInfos(_ query: PostgresQuery) async throws -> [TokenInfo] {
        try await timed("read tokens") { [client] in
            var infos: [TokenInfo] = []
            for try await (id, name, roleText, created, revoked) in try await client.query(query).decode(
                (Int64, String, String, Int64, Int64?).self)
            {
                guard let role = Role(rawValue: roleText) else {
                    throw StoreError(.corruptRow, "token \(id) has unknown role \(roleText)")
                }
                infos.append(
                    TokenInfo(
                        id: id, name: name, role: role, createdAt: Timestamp(milliseconds: created),
                        revokedAt: revoked.map(Timestamp.init(milliseconds:))))
            }
            return infos
        }
    }
}
