/// The two service-level targets of a ticket.
public enum SLATarget: String, Codable, Sendable, CaseIterable {
    /// From opening to the first answer of someone other than the requester.
    case firstResponse = "first_response"
    /// From opening to resolution.
    case resolution

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}

/// How a queue routes its tickets.
public enum RoutingMode: String, Codable, Sendable, CaseIterable {
    /// A swarm of agents found by skill; no tiers.
    case swarm
    /// The classic ladder: one assignee at the ticket's tier, hand-offs up the tiers.
    case tiered
    /// Tier 1 first; when tier 1 escalates or its time runs out, a swarm forms instead of a hand-off.
    case hybrid

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}

/// Support tiers: 0 self-service (knowledge base), 1 help desk, 2 technicians, 3 specialists and
/// developers, 4 external vendors.
public enum Tier {
    /// Every tier.
    public static let all = 0...4
    /// The tiers a ticket can be escalated to (tier 0 is self-service, before any ticket).
    public static let escalation = 1...4
    /// The vendor tier: a hand-off to it records the vendor.
    public static let vendor = 4
    /// The tier's name, for people.
    public static func name(_ tier: Int) -> String {
        switch tier {
        case 0: "self-service"
        case 1: "help desk"
        case 2: "technicians"
        case 3: "specialists"
        case 4: "vendor"
        default: "tier \(tier)"
        }
    }
}

/// `ticket.escalate {ticket, tier?, reason, vendor?, vendorRef?}`: hands a ticket of a tiered or
/// hybrid queue to the next tier (or the one named).
public struct TicketEscalate: Codable, Sendable, Hashable {
    public var ticket: String
    public var tier: Int?
    public var reason: String
    /// The vendor, required for tier 4.
    public var vendor: String?
    /// The vendor's reference for the case, for tier 4.
    public var vendorRef: String?
    public init(ticket: String, tier: Int? = nil, reason: String, vendor: String? = nil, vendorRef: String? = nil) {
        self.ticket = ticket
        self.tier = tier
        self.reason = reason
        self.vendor = vendor
        self.vendorRef = vendorRef
    }
}

/// `tiers.set {agent, tiers}`: the tiers an agent works at (leads and admins).
public struct TiersSet: Codable, Sendable, Hashable {
    public var agent: String
    public var tiers: [Int]
    public init(agent: String, tiers: [Int]) {
        self.agent = agent
        self.tiers = tiers
    }
}

/// A ticket's tier, assignee and vendor details after an escalation.
public struct Escalation: Codable, Sendable, Hashable {
    /// The tier the ticket was at.
    public var from: Int
    /// The new tier; `nil` when a hybrid queue formed a swarm instead.
    public var to: Int?
    /// Whether the time limit did it (actor `swarmd`) rather than a person.
    public var auto: Bool
    public var reason: String
    /// The agent now assigned at the new tier, if one carries it and is not offline.
    public var assignee: String?
    public var vendor: String?
    public var vendorRef: String?
    /// `true` when a hybrid queue formed a swarm instead of handing off to tier 2.
    public var swarm: Bool

    public init(
        from: Int, to: Int?, auto: Bool, reason: String, assignee: String? = nil, vendor: String? = nil,
        vendorRef: String? = nil, swarm: Bool = false
    ) {
        self.from = from
        self.to = to
        self.auto = auto
        self.reason = reason
        self.assignee = assignee
        self.vendor = vendor
        self.vendorRef = vendorRef
        self.swarm = swarm
    }
}

/// A span of a ticket's life during which its SLA clock runs (not waiting, not resolved).
public struct SLASpan: Codable, Sendable, Hashable {
    public var start: Timestamp
    public var end: Timestamp?
    public init(start: Timestamp, end: Timestamp? = nil) {
        self.start = start
        self.end = end
    }
}
