public import SwarmProtocol

/// One message the hub sends, from the moment the event that causes it is read to the moment the relay
/// takes it. Its `id` is the message's `Message-ID` (without the angle brackets), made from the event, so
/// planning the same event again finds the same row instead of adding a second mail.
public struct MailJob: Sendable, Hashable {
    /// Where a mail is: waiting for its (next) try, taken by the relay, or given up on.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case pending, sent, failed
    }

    public var id: String
    /// The event that caused it.
    public var seq: Int64
    public var ticket: String?
    public var recipient: String
    /// Why it is sent (`opened`, `reply`, `waiting`, `resolved`): for operators and metrics.
    public var kind: String
    /// The whole message, rendered once when it was planned: every try sends the same bytes.
    public var message: [UInt8]
    public var state: State
    public var attempts: Int
    public var nextAttempt: Timestamp
    public var lastError: String?
    public var createdAt: Timestamp
    public var sentAt: Timestamp?

    public init(
        id: String, seq: Int64, ticket: String?, recipient: String, kind: String, message: [UInt8],
        state: State = .pending, attempts: Int = 0, nextAttempt: Timestamp, lastError: String? = nil,
        createdAt: Timestamp, sentAt: Timestamp? = nil
    ) {
        self.id = id
        self.seq = seq
        self.ticket = ticket
        self.recipient = recipient
        self.kind = kind
        self.message = message
        self.state = state
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// The hub's outgoing mail: a durable queue fed from the log. The mailer reads the log after its cursor,
/// plans the mails those events cause, and stores them with the cursor's new place in one transaction
/// (``enqueueMail(_:through:)``): an event's mail is planned exactly once, across restarts and
/// `kill -9`. A mail leaves the queue when the relay took it (`sent`) or gave a permanent refusal
/// (`failed`).
public protocol MailStore: Sendable {
    /// The `seq` of the last event the mailer has planned mail for; -1 until a mailer first ran, which
    /// then starts at the log's end rather than mailing about every event of the past.
    func mailCursor() async throws -> Int64
    /// Stores `jobs` (a job whose id is there already is left as it is) and moves the cursor to
    /// `seq`, in one transaction. The cursor never moves back.
    func enqueueMail(_ jobs: [MailJob], through seq: Int64) async throws
    /// The pending mail whose next try is due at `now`, oldest event first.
    func dueMail(at now: Timestamp, limit: Int) async throws -> [MailJob]
    /// Records a try's outcome: `sent` (at `now`), `failed`, or `pending` again with its next try.
    func updateMail(
        _ id: String, state: MailJob.State, attempts: Int, nextAttempt: Timestamp, error: String?, at now: Timestamp
    ) async throws
    /// One job by id.
    func mail(_ id: String) async throws -> MailJob?
    /// How many jobs of `kind` for `recipient` were planned at or after `since`, whatever became of them.
    func mailCount(to recipient: String, kind: String, since: Timestamp) async throws -> Int
    /// Every job, oldest event first (`swarmd migrate` copies the queue with the log).
    func allMail() async throws -> [MailJob]
    /// How many jobs are in each state, and when the oldest pending one was planned (the queue's age).
    func mailSummary() async throws -> (counts: [MailJob.State: Int], oldestPending: Timestamp?)
}
