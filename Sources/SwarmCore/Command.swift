public import SwarmProtocol

/// A request to change state, after decoding and before decision: a client's command as the protocol
/// carries it (by WebSocket or REST), or one of the hub's own.
public enum Command: Sendable, Hashable {
    /// A command a client sent, with its payload as decoded.
    case client(ClientCommand)
    /// The hub's own: a queue's routing mode from the configuration, at start.
    case configureQueue(queue: String, mode: RoutingMode)
    /// The hub's own: the knowledge base's best matches for a ticket that just opened.
    case suggestArticles(ticket: String, matches: [ArticleMatch])
    /// The hub's own: the agent's first connection opened.
    case connected(agent: String)
    /// The hub's own: the agent has had no connection for the presence grace period.
    case disconnected(agent: String)
    /// The hub's own: fire every deadline due (invitation timeouts, backlog).
    case tick
    /// The hub's own: a delivery-status notification says mail about `ticket` to its requester's
    /// `address` could not be delivered (`status`, `diagnostic` as the report gave them).
    case mailBounced(ticket: String, address: String, status: String?, diagnostic: String?)
    /// A file whose bytes the hub has stored (`POST /v1/tickets/{id}/attachments`), attached for the
    /// uploader: not the hub's own, decided and authorized for whoever uploaded it.
    case attach(AttachmentAdd)
    /// The hub's own: an internal note for the swarm on `ticket`, by the hub (`swarmd`) — what it did not
    /// do with something a requester sent, and why (a file of her mail it did not attach). Never seen by
    /// her, never a first response or progress.
    case systemNote(ticket: String, body: String)

    /// The ticket the command acts on, if any.
    public var ticket: String? {
        switch self {
        case .client(let command): command.ticket
        case .suggestArticles(let ticket, _), .mailBounced(let ticket, _, _, _), .systemNote(let ticket, _): ticket
        case .attach(let add): add.ticket
        case .configureQueue, .connected, .disconnected, .tick: nil
        }
    }

    /// Whether only the hub itself may issue the command.
    public var isSystem: Bool {
        switch self {
        case .client, .attach: false
        case .configureQueue, .suggestArticles, .connected, .disconnected, .tick, .mailBounced, .systemNote: true
        }
    }

    /// The command's name as a metric label: its frame `type` for client commands, `system.` and a
    /// name for the hub's own.
    public var label: String {
        switch self {
        case .client(let command): command.type.rawValue
        case .configureQueue: "system.configure_queue"
        case .suggestArticles: "system.suggest_articles"
        case .connected: "system.connected"
        case .disconnected: "system.disconnected"
        case .tick: "system.tick"
        case .mailBounced: "system.mail_bounced"
        case .systemNote: "system.note"
        case .attach: "attachment.add"
        }
    }
}
