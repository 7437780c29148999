import Foundation
public import Logging
import NIOCore
import PostgresNIO
public import SwarmLanguage
public import SwarmProtocol

/// The event log and its projections in a PostgreSQL database, shared by several hub nodes.
///
/// The same tables as ``SQLiteEventStore`` plus `log_head`, a one-row counter: every append locks it
/// (`SELECT … FOR UPDATE`) in the transaction that writes the events, checks that the writer decided
/// on the log as it is, and moves it, so `seq` stays gap-free and in commit order whichever node
/// writes. The append is one call of the `swarm_append` function (one round trip, one transaction),
/// which also announces the new high `seq` with `NOTIFY swarm_log` when it commits.
///
/// Open one with ``withStore(_:logger:_:)``, which runs the connection pool for the duration of its
/// body and applies the migrations (``PostgresMigrations``) first. Every call that cannot reach the
/// server within ``operationTimeout`` fails with ``StoreError/Code/unavailable``; the pool keeps
/// reconnecting in the background, so the store recovers by itself when the server is back.
public final class PostgresEventStore: SharedEventStore, Sendable {
    /// Where the database is.
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger

    /// How long one call may wait for the server before it fails with `unavailable`.
    public static let operationTimeout: Duration = .seconds(5)
    /// How long opening the store waits for the server's first answer.
    public static let connectTimeout: Duration = .seconds(15)

    /// The idempotency window: a command id older than this may be used again (as in the hub).
    static let commandWindowMillis: Int64 = 24 * 3600 * 1000

    private init(location: PostgresLocation, client: PostgresClient, logger: Logger) {
        self.location = location
        self.client = client
        self.logger = logger
    }

    /// Connects to the database at `location`, applies the migrations it lacks, and runs `body`
    /// with the store; the connections are closed when `body` returns or throws.
    ///
    /// - Throws: ``StoreError`` `unavailable` when the server cannot be reached, `migration` when the
    ///   schema is newer than this program or a migration fails; or what `body` throws.
    public static func withStore<Result: Sendable>(
        _ location: PostgresLocation, logger: Logger, _ body: (PostgresEventStore) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresEventStore(location: location, client: client, logger: logger)
            try await store.migrate()
            return try await body(store)
        }
    }

    // MARK: Migrations

    /// The migrations this database has had, by version.
    public func appliedMigrations() async throws -> [Int] {
        try await timed("read the schema version") { [client] in
            var versions: [Int] = []
            for try await version in try await client.query("SELECT version FROM schema_migrations ORDER BY version")
                .decode(Int.self)
            {
                versions.append(version)
            }
            return versions
        }
    }

    private func migrate() async throws {
        let logger = self.logger
        let location = self.location
        // A server that does not answer fails within a limit of its own, shorter than the migrations':
        // a first connection to a database just created, on a busy server, takes longer than a query.
        try await timed("connect", timeout: Self.connectTimeout) { [client] in
            _ = try await client.query("SELECT 1").collect()
        }
        try await timed("apply the migrations", timeout: .seconds(30)) { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    // Nodes that start together migrate one after the other.
                    try await connection.query(
                        "SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: logger)
                    try await connection.query(
                        """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version INTEGER PRIMARY KEY,
                            name TEXT NOT NULL,
                            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                        )
                        """, logger: logger)
                    var applied = Set<Int>()
                    for try await version in try await connection.query(
                        "SELECT version FROM schema_migrations", logger: logger
                    ).decode(Int.self) {
                        applied.insert(version)
                    }
                    let known = Set(PostgresMigrations.all.map(\.version))
                    if let newer = applied.subtracting(known).max() {
                        throw StoreError(
                            .migration,
                            "the database \(location) has schema version \(newer), newer than this swarmd knows "
                                + "(\(known.max() ?? 0)); run a newer swarmd")
                    }
                    for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        if migration.reindexesArticles {
                            try await Self.reindexArticles(on: connection, logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                            logger: logger)
                        logger.info(
                            "applied migration",
                            metadata: ["swarm.migration": "\(migration.version) \(migration.name)"])
                    }
                }
            }
        }
    }

    // MARK: Appending

    /// Appends a batch in one transaction (one call of `swarm_append`).
    ///
    /// - Throws: ``StoreError`` `sequence_mismatch` when the log moved past `batch.afterSeq` (another
    ///   node appended: catch up and decide again); `duplicate_command` when one of the batch's command
    ///   ids was already committed; `unavailable` when the server cannot be reached. In each case
    ///   nothing of the batch was written — except that a connection lost while the commit was on its
    ///   way leaves the outcome unknown to this node; the catch-up before its next decision reads
    ///   whatever did commit, and a retry of the command gets its first ack.
    public func append(_ batch: AppendBatch) async throws {
        let expected = batch.events.first.map { $0.seq - 1 } ?? batch.afterSeq
        var eSeq: [Int64] = []
        var eType: [String] = []
        var eTicket: [String] = []
        var eActor: [String] = []
        var eAt: [Int64] = []
        var eChannels: [String] = []
        var eBody: [String] = []
        var cChannel: [String] = []
        var cSeq: [Int64] = []
        for stored in batch.events {
            let row = StoreRows.EventRow(stored)
            eSeq.append(row.seq)
            eType.append(row.type)
            // Arrays carry no NULL here: an event of no ticket goes as '', which swarm_append stores as NULL.
            eTicket.append(row.ticket ?? "")
            eActor.append(row.actor)
            eAt.append(row.at)
            eChannels.append(row.channels)
            eBody.append(row.body)
            for channel in stored.channels {
                cChannel.append(channel)
                cSeq.append(stored.seq)
            }
        }
        let kAgent = batch.commands.map(\.agent)
        let kID = batch.commands.map(\.id)
        let kAck = batch.commands.map(\.ack)
        let kAt = batch.commands.map(\.at.milliseconds)
        let encoder = SwarmJSON.encoder()
        var tID: [String] = []
        var tNumber: [Int64] = []
        var tStatus: [String] = []
        var tQueue: [String] = []
        var tRequester: [String] = []
        var tPriority: [String] = []
        var tUpdated: [Int64] = []
        var tBody: [String] = []
        for ticket in batch.tickets {
            let row = try StoreRows.TicketRow(ticket, encoder: encoder)
            tID.append(row.id)
            tNumber.append(row.number)
            tStatus.append(row.status)
            tQueue.append(row.queue)
            tRequester.append(row.requester)
            tPriority.append(row.priority)
            tUpdated.append(row.updatedAt)
            tBody.append(row.body)
        }
        var aID: [String] = []
        var aStatus: [String] = []
        var aTitle: [String] = []
        var aBody: [String] = []
        var aTerms = ArticleTerms()
        for article in batch.articles {
            let row = try StoreRows.ArticleRow(article, encoder: encoder)
            aID.append(row.id)
            aStatus.append(row.status)
            aTitle.append(row.title)
            aBody.append(row.body)
            aTerms.append(row)
        }
        let window = Self.commandWindowMillis
        // swarm_append writes the articles with an index of their words; swarm_kb_index, called on its
        // result in the same statement, replaces that with their terms (PostgresMigrations, version 4).
        let query: PostgresQuery = """
            SELECT swarm_kb_index(swarm_append(\(expected),
                \(eSeq), \(eType), \(eTicket), \(eActor), \(eAt), \(eChannels), \(eBody),
                \(cChannel), \(cSeq),
                \(kAgent), \(kID), \(kAck), \(kAt), \(window),
                \(tID), \(tNumber), \(tStatus), \(tQueue), \(tRequester), \(tPriority), \(tUpdated), \(tBody),
                \(aID), \(aStatus), \(aTitle), \(aTerms.text), \(aTerms.tags), \(aBody)),
                \(aID), \(aTerms.title), \(aTerms.tags), \(aTerms.text))
            """
        try await timed("append to the log") { [client] in
            _ = try await client.query(query).collect()
        }
    }

    // MARK: Reading the log

    public func lastSeq() async throws -> Int64 {
        try await timed("read the log's last seq") { [client] in
            for try await seq in try await client.query("SELECT seq FROM log_head").decode(Int64.self) {
                return seq
            }
            return 0
        }
    }

    public func epoch() async throws -> String {
        try await timed("read the log's epoch") { [client] in
            for try await epoch in try await client.query("SELECT epoch FROM log_epoch").decode(String.self) {
                return epoch
            }
            throw StoreError(.migration, "the database has no log epoch (its log_epoch row is missing)")
        }
    }

    /// Gives the log `epoch`: `swarmd migrate` keeps the source's, as the copy is the same log.
    func setEpoch(_ epoch: String) async throws {
        try await timed("write the log's epoch") { [client] in
            _ = try await client.query("UPDATE log_epoch SET epoch = \(epoch)").collect()
        }
    }

    public func events(after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await records("SELECT seq, channels, body FROM event WHERE seq > \(after) ORDER BY seq LIMIT \(limit)")
            .map(StoreRows.storedEvent)
    }

    public func events(onChannels channels: [String], after: Int64, through: Int64, limit: Int) async throws
        -> [StoredEvent]
    {
        try await records(onChannels: channels, after: after, through: through, limit: limit)
            .map(StoreRows.storedEvent)
    }

    public func records(onChannels channels: [String], after: Int64, through: Int64, limit: Int) async throws
        -> [EventRecord]
    {
        guard !channels.isEmpty, after < through, limit > 0 else { return [] }
        if channels.count == 1 {
            return try await records(
                """
                SELECT event.seq, event.channels, event.body FROM event_channel
                JOIN event ON event.seq = event_channel.seq
                WHERE event_channel.channel = \(channels[0]) AND event_channel.seq > \(after)
                    AND event_channel.seq <= \(through)
                ORDER BY event_channel.seq LIMIT \(limit)
                """)
        }
        return try await records(
            """
            SELECT seq, channels, body FROM event WHERE seq IN (
                SELECT seq FROM event_channel
                WHERE channel = ANY(\(channels)) AND seq > \(after) AND seq <= \(through)
            ) ORDER BY seq LIMIT \(limit)
            """)
    }

    public func events(ofTicket id: String, after: Int64, before: Int64, limit: Int, newestFirst: Bool) async throws
        -> [StoredEvent]
    {
        let limit = Int64(limit)
        let query: PostgresQuery =
            newestFirst
            ? "SELECT seq, channels, body FROM event WHERE ticket = \(id) AND seq > \(after) AND seq < \(before) ORDER BY seq DESC LIMIT \(limit)"
            : "SELECT seq, channels, body FROM event WHERE ticket = \(id) AND seq > \(after) AND seq < \(before) ORDER BY seq LIMIT \(limit)"
        return try await records(query).map(StoreRows.storedEvent)
    }

    /// Rows of (seq, channels, body), as records.
    private func records(_ query: PostgresQuery) async throws -> [EventRecord] {
        try await timed("read the log") { [client] in
            var records: [EventRecord] = []
            var lists = ChannelList.Reader()
            for try await (seq, channelsText, body) in try await client.query(query).decode(
                (Int64, String, String).self)
            {
                guard let channels = lists.decode(channelsText) else {
                    throw StoreError(.corruptRow, "event \(seq) has an unreadable channel list")
                }
                records.append(EventRecord(seq: seq, channels: channels, json: body))
            }
            return records
        }
    }

    // MARK: Projections

    public func tickets(status: TicketStatus?, queue: String?, requester: String?, limit: Int) async throws
        -> [Ticket]
    {
        var clauses: [String] = []
        var binds = PostgresBindings()
        if let status {
            binds.append(status.rawValue)
            clauses.append("status = $\(binds.count)")
        }
        if let queue {
            binds.append(queue)
            clauses.append("queue = $\(binds.count)")
        }
        if let requester {
            binds.append(requester)
            clauses.append("requester = $\(binds.count)")
        }
        binds.append(Int64(limit))
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let query = PostgresQuery(
            unsafeSQL: "SELECT body FROM ticket \(whereClause) ORDER BY number DESC LIMIT $\(binds.count)",
            binds: binds)
        return try await strings(query).map(StoreRows.ticket)
    }

    public func ticket(_ id: String) async throws -> Ticket? {
        try await strings("SELECT body FROM ticket WHERE id = \(id)").first.map(StoreRows.ticket)
    }

    /// The first column of every row, as text.
    func strings(_ query: PostgresQuery) async throws -> [String] {
        try await timed("read the database") { [client] in
            var values: [String] = []
            for try await value in try await client.query(query).decode(String.self) { values.append(value) }
            return values
        }
    }

    // MARK: Knowledge base

    /// Published articles matching any term of `text`, best first: PostgreSQL full-text search over
    /// ``SearchText`` terms (stemmed in Swift, as for SQLite, and indexed with the `simple`
    /// configuration, which only lowercases), ranked by `ts_rank` with a title match weighing 10, a tag
    /// 5 and the body 1 (the weights of the SQLite store). Scores are not comparable with SQLite's bm25
    /// scores; the order is what matters. A `language` keeps the articles in it and those without one.
    public func searchArticles(_ text: String, limit: Int, includeDrafts: Bool, language: Language?) async throws
        -> [ArticleMatch]
    {
        let terms = StoreRows.queryTerms(text)
        guard !terms.isEmpty else { return [] }
        // Letters and digits only, so nothing in the text is read as tsquery syntax.
        let tsquery = terms.joined(separator: " | ")
        let code = language?.code
        let query: PostgresQuery = """
            SELECT id, title, body::json ->> 'language', ts_rank('{0.1, 0, 0.5, 1.0}', search, q) AS rank
            FROM kb_article, to_tsquery('simple', \(tsquery)) AS q
            WHERE search @@ q AND (\(includeDrafts) OR status = 'published')
                AND (\(code)::text IS NULL OR body::json ->> 'language' IS NULL OR body::json ->> 'language' = \(code))
            ORDER BY rank DESC, id LIMIT \(Int64(limit))
            """
        return try await timed("search the knowledge base") { [client] in
            var matches: [ArticleMatch] = []
            for try await (id, title, language, rank) in try await client.query(query).decode(
                (String, String, String?, Float).self)
            {
                matches.append(
                    ArticleMatch(
                        id: id, title: title, score: Int((Double(rank) * 10_000).rounded()), language: language))
            }
            return matches
        }
    }

    public func article(_ id: String) async throws -> Article? {
        try await strings("SELECT body FROM kb_article WHERE id = \(id)").first.map(StoreRows.article)
    }

    /// The index terms of a batch's articles, as `swarm_kb_index` takes them.
    struct ArticleTerms {
        var title: [String] = []
        var text: [String] = []
        var tags: [String] = []

        mutating func append(_ row: StoreRows.ArticleRow) {
            title.append(row.titleTerms)
            text.append(row.textTerms)
            tags.append(row.tagTerms)
        }
    }

    /// Rebuilds every article's index entry from the article (the migration to SearchText terms).
    static func reindexArticles(on connection: PostgresConnection, logger: Logger) async throws {
        var ids: [String] = []
        var terms = ArticleTerms()
        let encoder = SwarmJSON.encoder()
        for try await body in try await connection.query("SELECT body FROM kb_article ORDER BY id", logger: logger)
            .decode(String.self)
        {
            let row = try StoreRows.ArticleRow(StoreRows.article(body), encoder: encoder)
            ids.append(row.id)
            terms.append(row)
        }
        guard !ids.isEmpty else { return }
        try await connection.query(
            "SELECT swarm_kb_index(0, \(ids), \(terms.title), \(terms.tags), \(terms.text))", logger: logger)
    }

    // MARK: Command ids

    public func commands(since: Timestamp) async throws -> [CommandRecord] {
        try await commandRecords(
            "SELECT agent, id, ack, at FROM command WHERE at >= \(since.milliseconds) ORDER BY at")
    }

    public func command(agent: String, id: String) async throws -> CommandRecord? {
        try await commandRecords("SELECT agent, id, ack, at FROM command WHERE agent = \(agent) AND id = \(id)").first
    }

    private func commandRecords(_ query: PostgresQuery) async throws -> [CommandRecord] {
        try await timed("read command ids") { [client] in
            var records: [CommandRecord] = []
            for try await (agent, id, ack, at) in try await client.query(query).decode(
                (String, String, String, Int64).self)
            {
                records.append(CommandRecord(agent: agent, id: id, ack: ack, at: Timestamp(milliseconds: at)))
            }
            return records
        }
    }

    @discardableResult
    public func pruneCommands(before: Timestamp) async throws -> Int {
        try await timed("prune command ids") { [client] in
            var count = 0
            for try await _ in try await client.query(
                "DELETE FROM command WHERE at < \(before.milliseconds) RETURNING 1"
            ) {
                count += 1
            }
            return count
        }
    }

    // MARK: Time limits and errors

    /// Runs `operation`, failing with `unavailable` when it takes longer than `timeout` (the pool
    /// waits for a connection as long as the server is away), and maps the driver's errors.
    func timed<Value: Sendable>(
        _ what: String, timeout: Duration = PostgresEventStore.operationTimeout,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let location = self.location
        do {
            return try await withThrowingTaskGroup(of: Value.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw StoreError(
                        .unavailable, "could not \(what): the database \(location) did not answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let value = try await group.next() else { throw CancellationError() }
                return value
            }
        } catch {
            throw Self.storeError(error, doing: what, at: location)
        }
    }

    /// The store's error for a driver error: our own SQLSTATEs to their codes, everything about the
    /// connection to `unavailable`, the server's message kept.
    static func storeError(_ error: any Error, doing what: String, at location: PostgresLocation) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "\(state)"
                switch state {
                case "SW001": return StoreError(.sequenceMismatch, message)
                case "SW002": return StoreError(.duplicateCommand, message)
                // Class 08 (connection), 57P0x (shutting down, cannot connect now), 53 (resources).
                case let s where s.hasPrefix("08") || s.hasPrefix("57P") || s.hasPrefix("53"):
                    return StoreError(
                        .unavailable, "could not \(what): the database \(location) is unavailable: \(message)")
                default:
                    return StoreError(.database, "could not \(what): PostgreSQL said: \(message) (\(state))")
                }
            }
            return StoreError(.unavailable, "could not \(what): the connection to \(location) failed (\(error.code))")
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                return storeError(inner, doing: what, at: location)
            }
        }
        return StoreError(.unavailable, "could not \(what): the database \(location) is unavailable (\(error))")
    }
}
