/// The tables of what the hub sends because of an event (``MailStore``, ``WebhookStore``): each row has
/// the same state columns — `state`, `attempts`, `next_attempt`, `last_error`, `created_at`, `sent_at` —
/// so recording a try and summing a queue up are written once, for both, in each store.
enum OutgoingQueue: String {
    case mail = "mail_out"
    case webhooks = "webhook_out"

    /// The table's name.
    var table: String { rawValue }
}
