public import SwarmProtocol

/// A request to change state, after decoding and before decision.
public enum Command: Sendable, Hashable {
    case openTicket(TicketOpen)
    case join(ticket: String)
    case leave(ticket: String)
    /// A comment; `visibility` `nil` means the sender's default (internal for staff, public for requesters).
    case comment(ticket: String, body: String, visibility: CommentVisibility? = nil)
    case addOwner(ticket: String, agent: String)
    case removeOwner(ticket: String, agent: String)
    case setStatus(ticket: String, status: TicketStatus, resolution: String?)
    /// Replaces `agent`'s skills (the sender's own when `nil`).
    case setSkills(agent: String?, skills: [String: Int])
    case setPresence(Presence)
    /// Invites `agent`, or the next `count` best candidates.
    case invite(ticket: String, agent: String?, count: Int?)
    case answerInvite(ticket: String, accept: Bool)
    case requestHelp(ticket: String, skills: [String], note: String?)
    case escalate(TicketEscalate)
    case setTiers(agent: String, tiers: [Int])
    /// The hub's own: a queue's routing mode from the configuration, at start.
    case configureQueue(queue: String, mode: RoutingMode)
    case createArticle(KBCreate)
    case captureArticle(ticket: String)
    case publishArticle(String)
    case applyArticle(ticket: String, article: String)
    /// The sender spent `minutes` on the ticket.
    case logWork(ticket: String, minutes: Int, note: String?)
    /// The monitor reports that the alert opened with `key` recovered (`alert.resolve`).
    case resolveAlert(key: String, output: String?)
    /// The hub's own: the knowledge base's best matches for a ticket that just opened.
    case suggestArticles(ticket: String, matches: [ArticleMatch])
    /// The hub's own: the agent's first connection opened.
    case connected(agent: String)
    /// The hub's own: the agent has had no connection for the presence grace period.
    case disconnected(agent: String)
    /// The hub's own: fire every deadline due (invitation timeouts, backlog).
    case tick

    /// The ticket the command acts on, if any.
    public var ticket: String? {
        switch self {
        case .openTicket, .setSkills, .setPresence, .connected, .disconnected, .tick, .setTiers, .configureQueue,
            .createArticle, .publishArticle, .resolveAlert:
            nil
        case .captureArticle(let t), .applyArticle(let t, _), .suggestArticles(let t, _), .logWork(let t, _, _): t
        case .escalate(let e): e.ticket
        case .join(let t), .leave(let t), .comment(let t, _, _), .addOwner(let t, _), .removeOwner(let t, _),
            .setStatus(let t, _, _), .invite(let t, _, _), .answerInvite(let t, _), .requestHelp(let t, _, _):
            t
        }
    }

    /// Whether only the hub itself may issue the command.
    public var isSystem: Bool {
        switch self {
        case .connected, .disconnected, .tick, .configureQueue, .suggestArticles: true
        default: false
        }
    }

    /// The command for a client message, or `nil` for session messages (hello, subscribe, ping,
    /// the ephemeral viewing and typing notices).
    public init?(_ message: ClientMessage) {
        switch message {
        case .ticketOpen(let open): self = .openTicket(open)
        case .swarmJoin(let ref): self = .join(ticket: ref.ticket)
        case .swarmLeave(let ref): self = .leave(ticket: ref.ticket)
        case .commentAdd(let c): self = .comment(ticket: c.ticket, body: c.body, visibility: c.visibility)
        case .ownerAdd(let o): self = .addOwner(ticket: o.ticket, agent: o.agent)
        case .ownerRemove(let o): self = .removeOwner(ticket: o.ticket, agent: o.agent)
        case .ticketStatus(let s): self = .setStatus(ticket: s.ticket, status: s.status, resolution: s.resolution)
        case .skillsSet(let s): self = .setSkills(agent: s.agent, skills: s.skills)
        case .presenceSet(let p): self = .setPresence(p.status)
        case .ticketInvite(let i): self = .invite(ticket: i.ticket, agent: i.agent, count: i.count)
        case .inviteAnswer(let a): self = .answerInvite(ticket: a.ticket, accept: a.accept)
        case .helpRequest(let h): self = .requestHelp(ticket: h.ticket, skills: h.skills, note: h.note)
        case .ticketEscalate(let e): self = .escalate(e)
        case .tiersSet(let t): self = .setTiers(agent: t.agent, tiers: t.tiers)
        case .kbCreate(let k): self = .createArticle(k)
        case .kbCapture(let k): self = .captureArticle(ticket: k.ticket)
        case .kbPublish(let k): self = .publishArticle(k.article)
        case .kbApply(let k): self = .applyArticle(ticket: k.ticket, article: k.article)
        case .workLog(let w): self = .logWork(ticket: w.ticket, minutes: w.minutes, note: w.note)
        case .alertResolve(let a): self = .resolveAlert(key: a.dedupKey, output: a.output)
        case .hello, .subscribe, .unsubscribe, .ping, .ticketViewing, .ticketTyping, .kbSearch: return nil
        }
    }
}
