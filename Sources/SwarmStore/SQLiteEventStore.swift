import Foundation
public import GRDB
public import SwarmLanguage
public import SwarmProtocol
import Synchronization

/// The event log and its projections in one SQLite database (WAL mode): the embedded default store.
///
/// One façade that owns the database and runs the migrator when it opens. Events are appended by
/// one writer (the hub's ledger), in one transaction per group commit; readers (REST, replay of
/// subscriptions) read concurrently from WAL snapshots, through GRDB's async reads, so no reader
/// blocks a thread of the cooperative pool.
public final class SQLiteEventStore: EventStore, Sendable {
    /// The GRDB connection pool (or queue, for in-memory stores).
    public let writer: any DatabaseWriter
    /// The database file, for a store opened from one.
    public let path: String?
    /// The high-water mark written after each commit, once ``guardAgainstRollback()`` started it
    /// (the hub's `serve`; one-shot commands do not append).
    private let mark = Mutex<LogHighWaterMark?>(nil)

    /// Opens (creating if needed) the database file at `path`, and migrates it.
    ///
    /// `synchronous = FULL`: a committed transaction survives power loss, not only a process crash;
    /// group commit keeps the cost to one fsync per batch.
    public convenience init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Debian builds SQLite to zero every deleted row's bytes on disk (SECURE_DELETE), which wrote an
            // upload's staged chunks a third time when they are dropped; FAST zeroes what is written
            // anyway and adds no I/O (docs/performance.md, attachments: 6.1 → 4.1 bytes written per byte).
            try db.execute(sql: "PRAGMA secure_delete = FAST")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The file holds every ticket and the token hashes: a new one is readable by its owner only
        // (SQLite gives the -wal and -shm files the same mode).
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB turns the writer's `synchronous` to NORMAL when it sets up WAL mode, after `prepareDatabase`
        // ran: without this, commits survived `kill -9` but not a power loss (found by strace: no fsync per
        // commit). The pool keeps its one writer connection, so this holds for its life.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        try self.init(writer: pool, path: path)
    }

    /// The writer's setting of `pragma`, for the tests that hold the store to it: `synchronous` is 2 (FULL)
    /// and `secure_delete` 2 (FAST) for a store opened from a file.
    package func writerSetting(_ pragma: WriterSetting) throws -> Int {
        try writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA \(pragma.rawValue)") ?? -1 }
    }

    /// The connection settings ``writerSetting(_:)`` reads.
    package enum WriterSetting: String, Sendable {
        case synchronous
        case secureDelete = "secure_delete"
    }

    /// An empty in-memory store, for tests.
    public static func inMemory() throws -> SQLiteEventStore {
        try SQLiteEventStore(writer: DatabaseQueue())
    }

    init(writer: any DatabaseWriter, path: String? = nil) throws {
        self.writer = writer
        self.path = path
        try Self.migrator.migrate(writer)
    }

    /// Wraps a database that is already a swarm database, without migrating it (a check or a
    /// backup must not change the file it reads).
    init(unmigrated writer: any DatabaseWriter, path: String? = nil) {
        self.writer = writer
        self.path = path
    }

    /// Compares the log with its high-water mark (``LogHighWaterMark``) and starts keeping the mark:
    /// what the hub does before it serves. A log shorter than the mark under the same epoch went
    /// back: it gets a new epoch, so no client resumes into reused `seq` numbers, and the rollback is
    /// returned for the hub to report. Returns `nil` when the log is whole (or the store has no file).
    public func guardAgainstRollback() throws -> LogRollback? {
        guard let path else { return nil }
        let markPath = LogHighWaterMark.path(forDatabase: path)
        let (last, epoch) = try writer.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0,
                try String.fetchOne(db, sql: "SELECT epoch FROM log_epoch WHERE id = 1") ?? ""
            )
        }
        var rollback: LogRollback? = nil
        var current = epoch
        if let reading = LogHighWaterMark.read(path: markPath), reading.epoch == epoch, reading.seq > last {
            rollback = LogRollback(recorded: reading.seq, found: last, epoch: epoch)
            current = LogEpoch.generate()
            try writer.write { db in
                try db.execute(sql: "UPDATE log_epoch SET epoch = ? WHERE id = 1", arguments: [current])
            }
        }
        let mark = try LogHighWaterMark(path: markPath, epoch: current)
        mark.record(seq: last)
        self.mark.withLock { $0 = mark }
        return rollback
    }

    /// What the high-water mark beside the file says of the log, read only (`swarmd check`): the
    /// rollback when the log is shorter than the mark under the same epoch.
    public func rollback() async throws -> LogRollback? {
        guard let path, let reading = LogHighWaterMark.read(path: LogHighWaterMark.path(forDatabase: path)) else {
            return nil
        }
        let (last, epoch) = (try await lastSeq(), try await self.epoch())
        guard reading.epoch == epoch, reading.seq > last else { return nil }
        return LogRollback(recorded: reading.seq, found: last, epoch: epoch)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event (
                        seq INTEGER PRIMARY KEY,
                        type TEXT NOT NULL,
                        ticket TEXT,
                        actor TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        channels TEXT NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX event_ticket ON event(ticket, seq);
                    CREATE TABLE event_channel (
                        channel TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (channel, seq)
                    ) WITHOUT ROWID;
                    CREATE TABLE command (
                        agent TEXT NOT NULL,
                        id TEXT NOT NULL,
                        ack TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        PRIMARY KEY (agent, id)
                    ) WITHOUT ROWID;
                    CREATE INDEX command_at ON command(at);
                    CREATE TABLE ticket (
                        id TEXT PRIMARY KEY,
                        number INTEGER NOT NULL UNIQUE,
                        status TEXT NOT NULL,
                        queue TEXT NOT NULL,
                        requester TEXT NOT NULL,
                        priority TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX ticket_status ON ticket(status, number);
                    CREATE INDEX ticket_queue ON ticket(queue, number);
                    CREATE INDEX ticket_requester ON ticket(requester, number);
                    CREATE TABLE token (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE INDEX token_name ON token(name);
                    """
            )
        }
        migrator.registerMigration("v2-knowledge-base") { db in
            // FTS5 (Debian's SQLite has it): the index of the articles, ranked by bm25.
            try db.execute(
                sql: """
                    CREATE TABLE kb_article (
                        id TEXT PRIMARY KEY,
                        status TEXT NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE VIRTUAL TABLE kb_fts USING fts5(id UNINDEXED, title, body, tags);
                    """)
        }
        migrator.registerMigration("v3-log-epoch") { db in
            // One row: the log's identity (LogEpoch); a database made before it gets one now.
            try db.execute(
                sql: """
                    CREATE TABLE log_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL);
                    INSERT INTO log_epoch (id, epoch) VALUES (1, ?);
                    """, arguments: [LogEpoch.generate()])
        }
        migrator.registerMigration("v4-mail-out") { db in
            // The hub's outgoing mail (MailStore): the queue, and how far the log has been planned.
            try db.execute(
                sql: """
                    CREATE TABLE mail_out (
                        id TEXT PRIMARY KEY,
                        seq INTEGER NOT NULL,
                        ticket TEXT,
                        recipient TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        message BLOB NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt INTEGER NOT NULL,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        sent_at INTEGER
                    );
                    CREATE INDEX mail_out_due ON mail_out(state, next_attempt, seq);
                    CREATE TABLE mail_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
                    INSERT INTO mail_cursor (id, seq) VALUES (1, -1);
                    """)
        }
        migrator.registerMigration("v5-webhook-out") { db in
            // The hub's outgoing webhooks (WebhookStore): the deliveries, and how far the log has been
            // planned for each hook.
            try db.execute(
                sql: """
                    CREATE TABLE webhook_out (
                        id TEXT PRIMARY KEY,
                        seq INTEGER NOT NULL,
                        hook TEXT NOT NULL,
                        ticket TEXT,
                        event TEXT NOT NULL,
                        body BLOB NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt INTEGER NOT NULL,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        sent_at INTEGER
                    );
                    CREATE INDEX webhook_out_due ON webhook_out(state, next_attempt, seq);
                    CREATE INDEX webhook_out_hook ON webhook_out(hook, state, seq);
                    CREATE TABLE webhook_cursor (hook TEXT PRIMARY KEY, seq INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("v6-kb-search-terms") { db in
            // The index holds SearchText terms (stems, no stop words) instead of the articles' words:
            // rebuilt from the articles themselves.
            try db.execute(sql: "DELETE FROM kb_fts")
            let encoder = SwarmJSON.encoder()
            for body in try String.fetchAll(db, sql: "SELECT body FROM kb_article ORDER BY id") {
                try index(StoreRows.ArticleRow(StoreRows.article(body), encoder: encoder), in: db)
            }
        }
        migrator.registerMigration("v7-blobs") { db in
            // Attachments' bytes (BlobStore): blobs by SHA-256 in 256 KiB chunks, and the uploads on their
            // way in.
            try db.execute(
                sql: """
                    CREATE TABLE blob (
                        sha256 TEXT PRIMARY KEY,
                        size INTEGER NOT NULL,
                        chunks INTEGER NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE blob_chunk (
                        sha256 TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (sha256, n)
                    );
                    CREATE TABLE blob_upload (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL);
                    CREATE TABLE blob_upload_chunk (
                        upload TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (upload, n)
                    );
                    """)
        }
        migrator.registerMigration("v8-blob-data") { db in
            // Each chunk written once, where it stays: an upload's chunks are stored under its id and the
            // finished blob names them (`owner`), where they were staged and then copied whole into
            // `blob_chunk` in one transaction that held the log's writer for seconds (docs/performance.md,
            // attachments). A blob that came by `putBlob` owns its chunks under its SHA-256.
            try db.execute(
                sql: """
                    CREATE TABLE blob_data (
                        owner TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (owner, n)
                    );
                    INSERT INTO blob_data (owner, n, data) SELECT sha256, n, data FROM blob_chunk;
                    INSERT INTO blob_data (owner, n, data) SELECT upload, n, data FROM blob_upload_chunk;
                    ALTER TABLE blob ADD COLUMN owner TEXT NOT NULL DEFAULT '';
                    UPDATE blob SET owner = sha256;
                    DROP TABLE blob_chunk;
                    DROP TABLE blob_upload_chunk;
                    """)
        }
        return migrator
    }

    // MARK: Appending

    /// Appends a batch in one transaction. Either all of it is durable when this returns, or none of it is.
    ///
    /// - Throws: ``StoreError`` `sequence_mismatch` when the first `seq` does not follow the log's
    ///   last one (another writer touched the log), or the database error.
    public func append(_ batch: AppendBatch) async throws {
        try await writer.write { db in try Self.append(batch, in: db) }
        if let last = batch.events.last, let mark = mark.withLock({ $0 }) { mark.record(seq: last.seq) }
    }

    static func append(_ batch: AppendBatch, in db: Database) throws {
        if let first = batch.events.first {
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0
            guard first.seq == last + 1 else {
                throw StoreError(
                    .sequenceMismatch,
                    "log ends at seq \(last) but the next event is \(first.seq); is another hub using this database?")
            }
        }
        let insertEvent = try db.makeStatement(
            sql: "INSERT INTO event (seq, type, ticket, actor, at, channels, body) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        let insertChannel = try db.makeStatement(sql: "INSERT INTO event_channel (channel, seq) VALUES (?, ?)")
        for stored in batch.events {
            let row = StoreRows.EventRow(stored)
            try insertEvent.execute(arguments: [
                row.seq, row.type, row.ticket, row.actor, row.at, row.channels, row.body,
            ])
            for channel in stored.channels {
                try insertChannel.execute(arguments: [channel, stored.seq])
            }
        }
        let insertCommand = try db.makeStatement(
            sql: "INSERT OR REPLACE INTO command (agent, id, ack, at) VALUES (?, ?, ?, ?)"
        )
        for command in batch.commands {
            try insertCommand.execute(arguments: [command.agent, command.id, command.ack, command.at.milliseconds])
        }
        let upsertTicket = try db.makeStatement(
            sql: """
                INSERT OR REPLACE INTO ticket (id, number, status, queue, requester, priority, updated_at, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        let encoder = SwarmJSON.encoder()
        for ticket in batch.tickets {
            let row = try StoreRows.TicketRow(ticket, encoder: encoder)
            try upsertTicket.execute(arguments: [
                row.id, row.number, row.status, row.queue, row.requester, row.priority, row.updatedAt, row.body,
            ])
        }
        for article in batch.articles {
            let row = try StoreRows.ArticleRow(article, encoder: encoder)
            try db.execute(
                sql: "INSERT OR REPLACE INTO kb_article (id, status, body) VALUES (?, ?, ?)",
                arguments: [row.id, row.status, row.body])
            try index(row, in: db)
        }
    }

    /// Replaces an article's entry in the full-text index.
    static func index(_ row: StoreRows.ArticleRow, in db: Database) throws {
        try db.execute(sql: "DELETE FROM kb_fts WHERE id = ?", arguments: [row.id])
        try db.execute(
            sql: "INSERT INTO kb_fts (id, title, body, tags) VALUES (?, ?, ?, ?)",
            arguments: [row.id, row.titleTerms, row.textTerms, row.tagTerms])
    }

    // MARK: Knowledge base

    /// Published articles matching the words of `text`, best first (FTS5 bm25; a match in the title
    /// weighs 10, in the tags 5, in the body 1). Any term may match; more and rarer matches rank higher.
    /// The index and the query hold ``SearchText`` terms: stems, without stop words. A `language`
    /// keeps the articles in it and those without one.
    public func searchArticles(_ text: String, limit: Int, includeDrafts: Bool, language: Language?) async throws
        -> [ArticleMatch]
    {
        let terms = StoreRows.queryTerms(text)
        guard !terms.isEmpty else { return [] }
        // Each term quoted, so nothing in the text is read as FTS5 syntax.
        let query = terms.map { "\"\($0)\"" }.joined(separator: " OR ")
        return try await writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT kb_fts.id AS id, json_extract(kb_article.body, '$.title') AS title,
                        json_extract(kb_article.body, '$.language') AS language,
                        bm25(kb_fts, 0.0, 10.0, 1.0, 5.0) AS rank
                    FROM kb_fts JOIN kb_article ON kb_article.id = kb_fts.id
                    WHERE kb_fts MATCH ? AND (? OR kb_article.status = 'published')
                        AND (? IS NULL OR json_extract(kb_article.body, '$.language') IS NULL
                            OR json_extract(kb_article.body, '$.language') = ?)
                    ORDER BY rank, kb_fts.id LIMIT ?
                    """,
                arguments: [query, includeDrafts, language?.code, language?.code, limit])
            return rows.map { row in
                let rank: Double = row["rank"]
                return ArticleMatch(
                    id: row["id"], title: row["title"], score: Int((-rank * 1000).rounded()), language: row["language"])
            }
        }
    }

    /// One article, from the projection.
    public func article(_ id: String) async throws -> Article? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM kb_article WHERE id = ?", arguments: [id])
                .map(StoreRows.article)
        }
    }

    // MARK: Reading the log

    public func lastSeq() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM event") ?? 0 }
    }

    public func epoch() async throws -> String {
        try await writer.read { db in
            guard let epoch = try String.fetchOne(db, sql: "SELECT epoch FROM log_epoch WHERE id = 1") else {
                throw StoreError(.migration, "the database has no log epoch (its log_epoch row is missing)")
            }
            return epoch
        }
    }

    public func events(after: Int64, limit: Int) async throws -> [StoredEvent] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, channels, body FROM event WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [after, limit]
            ).map(Self.storedEvent)
        }
    }

    public func events(onChannels channels: [String], after: Int64, through: Int64, limit: Int) async throws
        -> [StoredEvent]
    {
        try await records(onChannels: channels, after: after, through: through, limit: limit).map { record in
            try StoreRows.storedEvent(record)
        }
    }

    public func records(onChannels channels: [String], after: Int64, through: Int64, limit: Int) async throws
        -> [EventRecord]
    {
        guard !channels.isEmpty, after < through, limit > 0 else { return [] }
        // One channel (the usual resume) reads the index in order and stops at `limit`; several are
        // merged by SQLite, each event once.
        let sql: String
        if channels.count == 1 {
            sql = """
                SELECT event.seq, event.channels, event.body FROM event_channel
                JOIN event ON event.seq = event_channel.seq
                WHERE event_channel.channel = ? AND event_channel.seq > ? AND event_channel.seq <= ?
                ORDER BY event_channel.seq LIMIT ?
                """
        } else {
            sql = """
                SELECT seq, channels, body FROM event WHERE seq IN (
                    SELECT DISTINCT seq FROM event_channel
                    WHERE channel IN (\(databaseQuestionMarks(count: channels.count))) AND seq > ? AND seq <= ?
                ) ORDER BY seq LIMIT ?
                """
        }
        return try await writer.read { db in
            var records: [EventRecord] = []
            records.reserveCapacity(min(limit, 4096))
            let rows = try Row.fetchCursor(
                db, sql: sql, arguments: StatementArguments(channels) + [after, through, limit])
            var lists = ChannelList.Reader()
            while let row = try rows.next() {
                let seq: Int64 = row[0]
                let channelsText: String = row[1]
                guard let channels = lists.decode(channelsText) else {
                    throw StoreError(.corruptRow, "event \(seq) has an unreadable channel list")
                }
                records.append(EventRecord(seq: seq, channels: channels, json: row[2]))
            }
            return records
        }
    }

    public func events(ofTicket id: String, after: Int64, before: Int64, limit: Int, newestFirst: Bool) async throws
        -> [StoredEvent]
    {
        let order = newestFirst ? "DESC" : "ASC"
        return try await writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT seq, channels, body FROM event WHERE ticket = ? AND seq > ? AND seq < ? ORDER BY seq \(order) LIMIT ?",
                arguments: [id, after, before, limit]
            )
            .map(Self.storedEvent)
        }
    }

    static func storedEvent(_ row: Row) throws -> StoredEvent {
        try StoreRows.storedEvent(seq: row["seq"], channels: row["channels"], body: row["body"])
    }

    // MARK: Projections

    public func tickets(status: TicketStatus?, queue: String?, requester: String?, limit: Int) async throws
        -> [Ticket]
    {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let status {
            clauses.append("status = ?")
            arguments += [status.rawValue]
        }
        if let queue {
            clauses.append("queue = ?")
            arguments += [queue]
        }
        if let requester {
            clauses.append("requester = ?")
            arguments += [requester]
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments += [limit]
        let sql = "SELECT body FROM ticket \(whereClause) ORDER BY number DESC LIMIT ?"
        return try await writer.read { [arguments] db in
            try String.fetchAll(db, sql: sql, arguments: arguments)
                .map(StoreRows.ticket)
        }
    }

    public func ticket(_ id: String) async throws -> Ticket? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM ticket WHERE id = ?", arguments: [id]).map(StoreRows.ticket)
        }
    }

    // MARK: Command ids

    public func commands(since: Timestamp) async throws -> [CommandRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT agent, id, ack, at FROM command WHERE at >= ? ORDER BY at",
                arguments: [since.milliseconds]
            )
            .map {
                CommandRecord(agent: $0["agent"], id: $0["id"], ack: $0["ack"], at: Timestamp(milliseconds: $0["at"]))
            }
        }
    }

    public func command(agent: String, id: String) async throws -> CommandRecord? {
        try await writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT agent, id, ack, at FROM command WHERE agent = ? AND id = ?", arguments: [agent, id]
            )
            .map {
                CommandRecord(agent: $0["agent"], id: $0["id"], ack: $0["ack"], at: Timestamp(milliseconds: $0["at"]))
            }
        }
    }

    @discardableResult
    public func pruneCommands(before: Timestamp) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM command WHERE at < ?", arguments: [before.milliseconds])
            return db.changesCount
        }
    }
}
