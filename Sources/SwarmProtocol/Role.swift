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

    /// Whether this role works tickets (agents, experts, leads, admins).
    public var worksTickets: Bool { self != .requester }
    /// Whether this role may read every ticket and channel.
    public var readsEverything: Bool { self == .lead || self == .admin }

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}
