/// What a token may do. See Protocol/README.md, "Roles".
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Opens tickets and sees only their own.
    case requester
    /// Works tickets: joins swarms, comments, owns, changes status.
    case agent
    /// An agent found by skill; same rights as an agent.
    case expert
    /// Reads everything and may act on any ticket.
    case lead
    /// Everything a lead may do, and manages tokens.
    case admin
    /// A mail system's token (`swarm-mailgate`): delivers mail to `POST /v1/mail` and nothing else — no
    /// WebSocket, no other route, no ticket to read.
    case mailgate

    /// Whether this role works tickets (agents, experts, leads, admins).
    public var worksTickets: Bool { self != .requester && self != .mailgate }
    /// Whether this role may open a ticket for a requester (`ticket.open` with `requester`): people who
    /// work tickets, and the mail gate for a mail's sender.
    public var opensForRequesters: Bool { worksTickets || self == .mailgate }
    /// Whether this role may read every ticket and channel.
    public var readsEverything: Bool { self == .lead || self == .admin }

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}
