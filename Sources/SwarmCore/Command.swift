public import SwarmProtocol

/// A request to change state, after decoding and before decision.
public enum Command: Sendable, Hashable {
    case openTicket(TicketOpen)
    case join(ticket: String)
    case leave(ticket: String)
    case comment(ticket: String, body: String)
    case addOwner(ticket: String, agent: String)
    case removeOwner(ticket: String, agent: String)
    case setStatus(ticket: String, status: TicketStatus, resolution: String?)

    /// The ticket the command acts on, if any.
    public var ticket: String? {
        switch self {
        case .openTicket: nil
        case .join(let t), .leave(let t), .comment(let t, _), .addOwner(let t, _), .removeOwner(let t, _),
            .setStatus(let t, _, _):
            t
        }
    }

    /// The command for a client message, or `nil` for session messages (hello, subscribe, ping…).
    public init?(_ message: ClientMessage) {
        switch message {
        case .ticketOpen(let open): self = .openTicket(open)
        case .swarmJoin(let ref): self = .join(ticket: ref.ticket)
        case .swarmLeave(let ref): self = .leave(ticket: ref.ticket)
        case .commentAdd(let c): self = .comment(ticket: c.ticket, body: c.body)
        case .ownerAdd(let o): self = .addOwner(ticket: o.ticket, agent: o.agent)
        case .ownerRemove(let o): self = .removeOwner(ticket: o.ticket, agent: o.agent)
        case .ticketStatus(let s): self = .setStatus(ticket: s.ticket, status: s.status, resolution: s.resolution)
        case .hello, .subscribe, .unsubscribe, .ping: return nil
        }
    }
}
