public import SwarmLanguage
public import SwarmProtocol

/// The durable event log and what is kept beside it: the channel index, command acks (for idempotent
/// retries), the ticket and article projections, and tokens.
///
/// Split by concern — the log, the projections, the article search, command ids, tokens — so a new
/// store or a new table adds to one of them, not to one long protocol; `EventStore` is all of them.
///
/// One writer (the hub's ledger) appends a whole group commit with ``LogStore/append(_:)``; everything else
/// reads, concurrently with appends, and every method is `async` so no caller blocks a thread of the
/// cooperative pool on I/O. ``SQLiteEventStore`` is the embedded default; a store for a database
/// server implements the same contract.
///
/// The contract every implementation keeps:
/// - `append` is atomic and durable: when it returns, all of the batch survives a crash; when it
///   throws, none of it is in the log.
/// - `seq` is gap-free and increasing: a batch whose first `seq` does not follow the last one in the
///   log is refused with ``StoreError/Code/sequenceMismatch``.
/// - Reads see whole batches only, never part of one.
public typealias EventStore = LogStore & ProjectionStore & ArticleSearch & CommandStore & TokenStore & MailStore
    & WebhookStore & BlobStore

/// The log itself: appending a group commit, and reading events back (replay, resume, a ticket's history).
public protocol LogStore: Sendable {
    /// Appends a batch in one transaction: events, their channel index, command acks and projections.
    func append(_ batch: AppendBatch) async throws

    /// The `seq` of the last event in the log, 0 when it is empty.
    func lastSeq() async throws -> Int64

    /// The log's epoch (``LogEpoch``): made with the database, new in every backup copy.
    func epoch() async throws -> String

    /// Up to `limit` events of the whole log with `seq > after`, in `seq` order (replay at start).
    func events(after: Int64, limit: Int) async throws -> [StoredEvent]

    /// Events published on any of `channels` with `after < seq <= through`, in `seq` order, each once.
    func events(onChannels channels: [String], after: Int64, through: Int64, limit: Int) async throws
        -> [StoredEvent]

    /// The same events as ``events(onChannels:after:through:limit:)`` as the wire needs them, without
    /// decoding their JSON: what resuming a subscription streams.
    func records(onChannels channels: [String], after: Int64, through: Int64, limit: Int) async throws
        -> [EventRecord]

    /// Up to `limit` events of one ticket with `after < seq < before`: the first of them in `seq`
    /// order, or with `newestFirst` the last of them, newest first (a page of history either way).
    func events(ofTicket id: String, after: Int64, before: Int64, limit: Int, newestFirst: Bool) async throws
        -> [StoredEvent]
}

/// The projections written with each append: tickets (without comments) and articles.
public protocol ProjectionStore: Sendable {
    /// Tickets matching the filters, newest first, without their comments (read those from the log).
    func tickets(status: TicketStatus?, queue: String?, requester: String?, limit: Int) async throws -> [Ticket]

    /// One ticket's projected state, without its comments.
    func ticket(_ id: String) async throws -> Ticket?

    /// One article, from the projection.
    func article(_ id: String) async throws -> Article?
}

/// The knowledge base's full-text search.
public protocol ArticleSearch: Sendable {
    /// Published articles (and drafts, when asked) matching the words of `text`, best first; with a
    /// `language`, only articles in it and those without a language (which may be in either).
    func searchArticles(_ text: String, limit: Int, includeDrafts: Bool, language: Language?) async throws
        -> [ArticleMatch]
}

/// Command ids and their acks, for idempotent retries.
public protocol CommandStore: Sendable {
    /// Acks of commands issued at or after `since`, to refill the idempotency window after a restart.
    func commands(since: Timestamp) async throws -> [CommandRecord]

    /// The ack of one command, when it was committed.
    func command(agent: String, id: String) async throws -> CommandRecord?

    /// Forgets command acks older than `before`; returns how many were removed.
    @discardableResult
    func pruneCommands(before: Timestamp) async throws -> Int
}

/// Tokens: who may connect, as what.
public protocol TokenStore: Sendable {
    /// Creates a token and returns its record and its secret, which is shown once and stored only hashed.
    func createToken(name: String, role: Role, at now: Timestamp) async throws -> (TokenInfo, String)

    /// Creates one token for each of `names`, all or none: when any name already has an active
    /// token, nothing is created and the error names them. Returns them in the order of `names`.
    func createTokens(names: [String], role: Role, at now: Timestamp) async throws -> [(TokenInfo, String)]

    /// The active token with this secret, or `nil` when it is unknown or revoked.
    func authenticate(secret: String) async throws -> TokenInfo?

    /// Every token, active and revoked, oldest first.
    func tokens() async throws -> [TokenInfo]

    /// The role of the agent with this name, when it has an active token.
    func activeRole(of name: String) async throws -> Role?

    /// The role of the newest token ever issued to this name, active or revoked; `nil` when the name
    /// never had one. A name keeps its audience (``TokenNaming``), so this says for good whether it
    /// is a requester's or staff's.
    func role(ofName name: String) async throws -> Role?

    /// Revokes the token with this numeric id, or every active token of this name; returns the revoked ones.
    func revokeTokens(_ idOrName: String, at now: Timestamp) async throws -> [TokenInfo]
}

extension ProjectionStore {
    /// Tickets matching the filters, newest first, at most 500.
    public func tickets(status: TicketStatus? = nil, queue: String? = nil, requester: String? = nil) async throws
        -> [Ticket]
    {
        try await tickets(status: status, queue: queue, requester: requester, limit: 500)
    }
}

extension ArticleSearch {
    /// Published articles matching the words of `text`, best first; with a `language`, only articles
    /// in it and those without one.
    public func searchArticles(_ text: String, limit: Int, language: Language? = nil) async throws -> [ArticleMatch] {
        try await searchArticles(text, limit: limit, includeDrafts: false, language: language)
    }

    /// Published articles (and drafts, when asked) matching the words of `text`, in any language.
    public func searchArticles(_ text: String, limit: Int, includeDrafts: Bool) async throws -> [ArticleMatch] {
        try await searchArticles(text, limit: limit, includeDrafts: includeDrafts, language: nil)
    }
}

extension LogStore {
    /// Events on `channels` with `after < seq <= through`, at most 1,000.
    public func events(onChannels channels: [String], after: Int64, through: Int64) async throws -> [StoredEvent] {
        try await events(onChannels: channels, after: after, through: through, limit: 1000)
    }

    /// Every event of one ticket, in `seq` order (tests and tools; the REST API reads pages).
    public func events(ofTicket id: String) async throws -> [StoredEvent] {
        try await events(ofTicket: id, after: 0, before: .max, limit: .max, newestFirst: false)
    }

    /// Calls `body` with every event of the log in `seq` order, a page at a time, so the log is never
    /// loaded into memory whole.
    public func forEachEvent(pageSize: Int = 4096, _ body: (StoredEvent) throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await events(after: after, limit: pageSize)
            guard let last = page.last else { return }
            for stored in page { try body(stored) }
            after = last.seq
        }
    }

    /// Replays the log: calls `body` with each event after `start` up to `through`, in `seq` order, a
    /// page at a time, checking that `seq` runs on from `start` without a hole. Returns the last
    /// `seq` replayed (`start` when there is none).
    ///
    /// The log must be gap-free (invariant 2): a hole means a damaged or hand-edited database, and
    /// serving it would hand clients a resume that silently skips events. The hub replays with this
    /// at start, and `swarmd check` with it.
    ///
    /// - Throws: ``LogGapError`` at the first hole; ``StoreError`` `corrupt_row` for an event that
    ///   cannot be decoded; the database's error for a page it cannot read; what `body` throws.
    @discardableResult
    public func replayLog(
        after start: Int64 = 0, through: Int64 = .max, pageSize: Int = 4096, _ body: (StoredEvent) throws -> Void
    ) async throws -> Int64 {
        var seq = start
        while seq < through {
            let page = try await events(after: seq, limit: pageSize)
            guard !page.isEmpty else { break }
            for stored in page {
                guard stored.seq <= through else { return seq }
                guard stored.seq == seq + 1 else { throw LogGapError(after: seq, found: stored.seq) }
                try body(stored)
                seq = stored.seq
            }
        }
        return seq
    }
}

/// The log has a hole in `seq`: an event is missing (a damaged or hand-edited database).
public struct LogGapError: Error, Sendable, CustomStringConvertible {
    /// The last `seq` before the hole.
    public let after: Int64
    /// The `seq` found after it.
    public let found: Int64

    public init(after: Int64, found: Int64) {
        self.after = after
        self.found = found
    }

    public var description: String {
        "the event log has a gap in seq: \(found) follows \(after) (events \(after + 1)–\(found - 1) are missing); restore a backup"
    }
}
