/// An agent's availability: chosen with `presence.set`, or `offline` when the hub has had no
/// connection of theirs for the presence grace period.
public enum Presence: String, Codable, Sendable, CaseIterable {
    case available
    case busy
    case away
    case offline

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}

/// `skills.set {skills, agent?}`: replaces an agent's skills with `skills` (tag → level 1–5).
/// Without `agent` it sets the sender's own; leads and admins may name anyone.
public struct SkillsSet: Codable, Sendable, Hashable {
    public var skills: [String: Int]
    public var agent: String?
    public init(skills: [String: Int], agent: String? = nil) {
        self.skills = skills
        self.agent = agent
    }
}

/// `presence.set {status}`: `available`, `busy` or `away` (`offline` is the hub's to set).
public struct PresenceSet: Codable, Sendable, Hashable {
    public var status: Presence
    public init(status: Presence) { self.status = status }
}

/// `ticket.invite {ticket, agent?, count?}`: invites one named agent, or the next `count` best
/// candidates (the queue's invitation count when absent).
public struct TicketInvite: Codable, Sendable, Hashable {
    public var ticket: String
    public var agent: String?
    public var count: Int?
    public init(ticket: String, agent: String? = nil, count: Int? = nil) {
        self.ticket = ticket
        self.agent = agent
        self.count = count
    }
}

/// `invite.answer {ticket, accept}`: accepting joins the ticket's swarm.
public struct InviteAnswer: Codable, Sendable, Hashable {
    public var ticket: String
    public var accept: Bool
    public init(ticket: String, accept: Bool) {
        self.ticket = ticket
        self.accept = accept
    }
}

/// `help.request {ticket, skills, note?}`: a swarm member raises a hand for more skills.
public struct HelpRequest: Codable, Sendable, Hashable {
    public var ticket: String
    public var skills: [String]
    public var note: String?
    public init(ticket: String, skills: [String], note: String? = nil) {
        self.ticket = ticket
        self.skills = skills
        self.note = note
    }
}

/// Why an expert was invited.
public enum InviteOrigin: String, Codable, Sendable, CaseIterable {
    /// The ticket was opened and the matcher invited the best candidates.
    case opened
    /// Someone asked with `ticket.invite`.
    case requested
    /// A swarm member asked for help with `help.request`.
    case help
    /// An earlier invitee declined or did not answer in time.
    case replacement

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}

/// What became of an invitation.
public enum InviteState: String, Codable, Sendable, CaseIterable {
    case pending
    case accepted
    case declined
    case expired

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}

/// One part of a candidate's score: the points it adds (or takes away) and why.
public struct ScoreReason: Codable, Sendable, Hashable {
    /// What the reason is about: `skill`, `presence`, `load` or `history`.
    public var factor: String
    /// The required tag a `skill` reason is about.
    public var tag: String?
    public var points: Int
    /// The reason in words, for leads: "network.dns level 5, exact match: +100".
    public var text: String
    public init(factor: String, tag: String? = nil, points: Int, text: String) {
        self.factor = factor
        self.tag = tag
        self.points = points
        self.text = text
    }
}

/// An agent ranked for a ticket: the score is the sum of the reasons' points.
public struct Candidate: Codable, Sendable, Hashable {
    public var agent: String
    public var score: Int
    public var reasons: [ScoreReason]
    public init(agent: String, score: Int, reasons: [ScoreReason]) {
        self.agent = agent
        self.score = score
        self.reasons = reasons
    }
}

/// An invitation to a ticket's swarm, as the ticket keeps it.
public struct Invitation: Codable, Sendable, Hashable {
    public var agent: String
    public var score: Int
    public var origin: InviteOrigin
    public var at: Timestamp
    /// When an unanswered invitation expires and the next candidate is invited.
    public var expires: Timestamp
    public var state: InviteState
    public init(agent: String, score: Int, origin: InviteOrigin, at: Timestamp, expires: Timestamp) {
        self.agent = agent
        self.score = score
        self.origin = origin
        self.at = at
        self.expires = expires
        self.state = .pending
    }
}

/// An agent as `GET /v1/agents` shows it.
public struct AgentProfile: Codable, Sendable, Hashable {
    public var id: String
    /// Tag → level 1–5.
    public var skills: [String: Int]
    public var presence: Presence
    /// The status the agent chose last; restored when they come back after being offline.
    public var chosen: Presence
    /// Tickets not yet resolved whose swarm the agent is in; its count is the agent's load.
    public var activeSwarms: [String]
    /// Tag → how many resolved tickets needing it the agent was in the swarm of.
    public var resolved: [String: Int]
    /// The support tiers the agent works at (tiered and hybrid queues).
    public var tiers: [Int]
    /// Tickets not yet resolved assigned to the agent at their tier.
    public var assigned: [String]
    public init(id: String) {
        self.id = id
        self.skills = [:]
        self.presence = .offline
        self.chosen = .available
        self.activeSwarms = []
        self.resolved = [:]
        self.tiers = []
        self.assigned = []
    }

    /// The number of active swarms.
    public var load: Int { activeSwarms.count }
}
