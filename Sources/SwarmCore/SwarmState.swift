public import SwarmProtocol

/// Everything the hub knows, rebuilt by applying the log from the start (invariant 4).
public struct SwarmState: Sendable, Hashable {
    /// Tickets by id.
    public var tickets: [String: Ticket] = [:]
    /// The number of tickets opened so far; the next ticket is `T-(ticketCount + 1)`.
    public var ticketCount = 0
    /// Agents the hub has seen (skills set, connected, or in a swarm), by id.
    public internal(set) var agents: [String: AgentProfile] = [:]
    /// People's choices of notices by mail (`notify.changed`), by agent id; only those with an address.
    public internal(set) var notifications: [String: NotifySettings] = [:]
    /// The number of files attached so far; the next is `A-(attachmentCount + 1)`.
    public internal(set) var attachmentCount = 0
    /// Attachment id → the ticket it is on.
    public internal(set) var attachmentTickets: [String: String] = [:]
    /// Knowledge-base articles by id.
    public internal(set) var articles: [String: Article] = [:]
    /// The number of articles written so far; the next is `KB-(articleCount + 1)`.
    public internal(set) var articleCount = 0
    /// Queue → routing mode, as configured by `queue.configured` events; unlisted queues swarm.
    public internal(set) var queueModes: [String: RoutingMode] = [:]
    /// Alert de-duplication: `dedupKey` → the ticket opened with it, while that ticket is neither
    /// resolved nor closed. Kept by apply, so a replay rebuilds it.
    public internal(set) var openAlerts: [String: String] = [:]
    /// The matcher's index: tag → agents who hold exactly that tag.
    var holders: [String: Set<String>] = [:]
    /// The matcher's index: tag → agents who hold a tag strictly under it, with how many such tags.
    var holdersBelow: [String: [String: Int]] = [:]

    public init() {}

    /// The actor of events the hub decides by itself (timeouts, presence, automatic invitations).
    /// Token names may not take it.
    public static let systemActor = "swarmd"

    /// The attachment `id` and its ticket, when there is one.
    public func attachment(_ id: String) -> (Attachment, Ticket)? {
        guard let ticketID = attachmentTickets[id], let ticket = tickets[ticketID],
            let attachment = ticket.attachments.first(where: { $0.id == id })
        else { return nil }
        return (attachment, ticket)
    }

    /// Applies events in order to an empty state.
    public static func replaying(_ events: some Sequence<SwarmEvent>) -> SwarmState {
        var state = SwarmState()
        for event in events { state.apply(event) }
        return state
    }
}

extension Principal {
    /// The hub itself, for the commands it issues (timers, connections).
    public static let system = Principal(id: SwarmState.systemActor, role: .admin)
}

// MARK: - The agents index, kept by apply

extension SwarmState {
    /// Replaces an agent's skills and updates the index.
    mutating func setSkills(of agent: String, to skills: [String: Int]) {
        var profile = agents[agent] ?? AgentProfile(id: agent)
        for tag in profile.skills.keys where skills[tag] == nil {
            holders[tag]?.remove(agent)
            if holders[tag]?.isEmpty == true { holders[tag] = nil }
            for ancestor in Self.ancestors(of: tag) {
                holdersBelow[ancestor]?[agent, default: 1] -= 1
                if holdersBelow[ancestor]?[agent] == 0 { holdersBelow[ancestor]?[agent] = nil }
                if holdersBelow[ancestor]?.isEmpty == true { holdersBelow[ancestor] = nil }
            }
        }
        for tag in skills.keys where profile.skills[tag] == nil {
            holders[tag, default: []].insert(agent)
            for ancestor in Self.ancestors(of: tag) { holdersBelow[ancestor, default: [:]][agent, default: 0] += 1 }
        }
        profile.skills = skills
        agents[agent] = profile
    }

    /// Changes one agent's profile, creating it if needed.
    mutating func updateAgent(_ agent: String, _ change: (inout AgentProfile) -> Void) {
        var profile = agents.removeValue(forKey: agent) ?? AgentProfile(id: agent)
        change(&profile)
        agents[agent] = profile
    }

    /// `network.dns.cache` → `network.dns`, `network` (nearest first).
    static func ancestors(of tag: String) -> [String] {
        var result: [String] = []
        var rest = Substring(tag)
        while let dot = rest.lastIndex(of: ".") {
            rest = rest[..<dot]
            result.append(String(rest))
        }
        return result
    }
}
