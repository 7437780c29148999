/// A channel a client subscribes to (see Protocol/README.md, "Channels").
public enum Channel: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// `ticket:<id>`: every event of one ticket.
    case ticket(String)
    /// `queue:<name>`: every event of the queue's tickets.
    case queue(String)
    /// `agent:<id>`: what concerns one agent: their tickets, invitations, skills and presence.
    case agent(String)
    /// `skill:<tag>` or `skill:<prefix>.*`: events of tickets that need the tag (or any tag under
    /// the prefix, the prefix itself included).
    case skill(String)
    /// `dispatch`: events of tickets nobody owns (dispatch swarm, for whoever is on triage duty).
    case dispatch
    /// `backlog`: events of tickets without progress for the backlog time (backlog swarm).
    case backlog
    /// `agents`: every agent's skill and presence changes (leads and admins).
    case agents
    /// `sla`: every SLA warning and breach (leads and admins).
    case sla
    /// `kb`: articles written, captured and published (agents and up).
    case kb
    /// `metrics`: the leads' report, pushed as `metrics.updated` frames (leads and admins; not logged).
    case metrics

    /// The wire name, `ticket:T-1`, `dispatch`.
    public var description: String {
        switch self {
        case .ticket(let id): "ticket:\(id)"
        case .queue(let name): "queue:\(name)"
        case .agent(let id): "agent:\(id)"
        case .skill(let tag): "skill:\(tag)"
        case .dispatch: "dispatch"
        case .backlog: "backlog"
        case .agents: "agents"
        case .sla: "sla"
        case .kb: "kb"
        case .metrics: "metrics"
        }
    }

    /// The skill channels on which an event of a ticket needing `tag` is published: the tag's own,
    /// and the wildcard of the tag and of each of its ancestors (`network.dns` →
    /// `skill:network.dns`, `skill:network.dns.*`, `skill:network.*`).
    public static func skillChannels(for tag: String) -> [Channel] {
        var channels: [Channel] = [.skill(tag)]
        var prefix = Substring(tag)
        while true {
            channels.append(.skill(prefix + ".*"))
            guard let dot = prefix.lastIndex(of: ".") else { break }
            prefix = prefix[..<dot]
        }
        return channels
    }

    /// Parses a wire name; `nil` when the name is unknown, empty or too long.
    public init?(_ text: String) {
        switch text {
        case "dispatch": self = .dispatch; return
        case "backlog": self = .backlog; return
        case "agents": self = .agents; return
        case "sla": self = .sla; return
        case "kb": self = .kb; return
        case "metrics": self = .metrics; return
        default: break
        }
        guard text.utf8.count <= 128, let colon = text.firstIndex(of: ":") else { return nil }
        let name = String(text[text.index(after: colon)...])
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" }) else {
            return nil
        }
        switch text[..<colon] {
        case "ticket": self = .ticket(name)
        case "queue": self = .queue(name)
        case "agent": self = .agent(name)
        case "skill": self = .skill(name)
        default: return nil
        }
    }

    public static func < (lhs: Channel, rhs: Channel) -> Bool { lhs.description < rhs.description }
}
