public import SwarmProtocol

/// One post of one event to one hook, from the moment the event is read to the moment the hook's
/// receiver answers 2xx. Its `id` is made from the log's epoch, the event's `seq` and the hook's name, so
/// planning the same event again finds the same row, and a receiver can tell the one possible repeat
/// (``WebhookStore``) by its `X-Swarm-Delivery` header.
public struct WebhookDelivery: Sendable, Hashable {
    /// Where a delivery is: waiting for its (next) try, taken by the receiver, or given up on.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case pending, sent, failed
    }

    public var id: String
    /// The event that caused it.
    public var seq: Int64
    /// The hook's name (``SwarmConfiguration/WebhookConfiguration``).
    public var hook: String
    public var ticket: String?
    /// The event's type, for operators and metrics.
    public var event: String
    /// The body, rendered once when it was planned: every try posts the same bytes (the signature and
    /// its timestamp are made per try).
    public var body: [UInt8]
    public var state: State
    public var attempts: Int
    public var nextAttempt: Timestamp
    public var lastError: String?
    public var createdAt: Timestamp
    public var sentAt: Timestamp?

    public init(
        id: String, seq: Int64, hook: String, ticket: String?, event: String, body: [UInt8],
        state: State = .pending, attempts: Int = 0, nextAttempt: Timestamp, lastError: String? = nil,
        createdAt: Timestamp, sentAt: Timestamp? = nil
    ) {
        self.id = id
        self.seq = seq
        self.hook = hook
        self.ticket = ticket
        self.event = event
        self.body = body
        self.state = state
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// The hub's outgoing webhooks: a durable queue fed from the log, as ``MailStore`` is for mail. The
/// sender reads the log after its hooks' cursors, plans the deliveries those events cause, and stores
/// them with the cursors' new place in one transaction (``enqueueWebhooks(_:through:hooks:)``): an
/// event is planned once per hook, across restarts and `kill -9`. A delivery leaves the queue when the
/// receiver took it (`sent`) or refused it for good (`failed`). The one way a receiver gets a delivery
/// twice is a `kill -9` between its 2xx and ``updateWebhook(_:state:attempts:nextAttempt:error:at:)``;
/// both posts carry the same id.
///
/// Each hook has its own cursor, so a hook added to the configuration starts at the log's end rather
/// than posting the past, while the others go on from where they were.
public protocol WebhookStore: Sendable {
    /// The `seq` of the last event planned for each hook that has ever been planned for.
    func webhookCursors() async throws -> [String: Int64]
    /// Stores `deliveries` (one whose id is there already is left as it is) and moves the cursor of each
    /// of `hooks` to `seq` (a hook without one gets it), in one transaction. A cursor never moves back.
    func enqueueWebhooks(_ deliveries: [WebhookDelivery], through seq: Int64, hooks: [String]) async throws
    /// The pending deliveries whose next try is due at `now` and that no earlier pending delivery of
    /// their hook waits before, oldest event first: a hook's deliveries go out in the order of the log,
    /// and while its receiver fails, the later ones wait behind the one being retried (so the receiver
    /// is asked once per backoff, not once per waiting delivery).
    func dueWebhooks(at now: Timestamp, limit: Int) async throws -> [WebhookDelivery]
    /// Records a try's outcome: `sent` (at `now`), `failed`, or `pending` again with its next try.
    func updateWebhook(
        _ id: String, state: WebhookDelivery.State, attempts: Int, nextAttempt: Timestamp, error: String?,
        at now: Timestamp
    ) async throws
    /// One delivery by id.
    func webhook(_ id: String) async throws -> WebhookDelivery?
    /// Every delivery, oldest event first (`swarmd migrate` copies the queue with the log).
    func allWebhooks() async throws -> [WebhookDelivery]
    /// How many deliveries are in each state, and when the oldest pending one was planned.
    func webhookSummary() async throws -> (counts: [WebhookDelivery.State: Int], oldestPending: Timestamp?)
}
