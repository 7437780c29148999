/// What an event says happened, with the fields that belong to its type.
public enum EventPayload: Sendable, Hashable {
    /// A ticket was opened; carries the whole new ticket.
    case ticketOpened(Ticket)
    /// `agent` joined the ticket's swarm.
    case swarmJoined(agent: String)
    /// `agent` left the ticket's swarm.
    case swarmLeft(agent: String)
    /// A comment was added.
    case commentAdded(Comment)
    /// `agent` became a co-owner.
    case ownerAdded(agent: String)
    /// `agent` is no longer a co-owner.
    case ownerRemoved(agent: String)
    /// The status moved `from` → `to`; `resolution` when resolved.
    case statusChanged(from: TicketStatus, to: TicketStatus, resolution: String?)

    /// The type name of this payload.
    public var type: EventType {
        switch self {
        case .ticketOpened: .ticketOpened
        case .swarmJoined: .swarmJoined
        case .swarmLeft: .swarmLeft
        case .commentAdded: .commentAdded
        case .ownerAdded: .ownerAdded
        case .ownerRemoved: .ownerRemoved
        case .statusChanged: .statusChanged
        }
    }

    private enum Keys: String, CodingKey {
        case ticketState = "state"
        case agent, comment, from, to, resolution
    }

    init(type: EventType, from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch type {
        case .ticketOpened: self = .ticketOpened(try c.decode(Ticket.self, forKey: .ticketState))
        case .swarmJoined: self = .swarmJoined(agent: try c.decode(String.self, forKey: .agent))
        case .swarmLeft: self = .swarmLeft(agent: try c.decode(String.self, forKey: .agent))
        case .commentAdded: self = .commentAdded(try c.decode(Comment.self, forKey: .comment))
        case .ownerAdded: self = .ownerAdded(agent: try c.decode(String.self, forKey: .agent))
        case .ownerRemoved: self = .ownerRemoved(agent: try c.decode(String.self, forKey: .agent))
        case .statusChanged:
            self = .statusChanged(
                from: try c.decode(TicketStatus.self, forKey: .from),
                to: try c.decode(TicketStatus.self, forKey: .to),
                resolution: try c.decodeIfPresent(String.self, forKey: .resolution)
            )
        }
    }

    func encodeFields(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .ticketOpened(let ticket): try c.encode(ticket, forKey: .ticketState)
        case .swarmJoined(let agent), .swarmLeft(let agent), .ownerAdded(let agent), .ownerRemoved(let agent):
            try c.encode(agent, forKey: .agent)
        case .commentAdded(let comment): try c.encode(comment, forKey: .comment)
        case .statusChanged(let from, let to, let resolution):
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encodeIfPresent(resolution, forKey: .resolution)
        }
    }
}
