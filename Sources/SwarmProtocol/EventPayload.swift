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
    /// `agent`'s skills are now `skills` (tag → level), replacing the previous set.
    case skillsChanged(agent: String, skills: [String: Int])
    /// `agent`'s presence is now `status`; `auto` when the hub set it (connection came or went).
    case presenceChanged(agent: String, status: Presence, auto: Bool)
    /// `agent` was invited to the ticket's swarm with `score`, for `reasons`; unanswered by `expires`,
    /// the next candidate is invited.
    case expertInvited(agent: String, score: Int, origin: InviteOrigin, expires: Timestamp, reasons: [ScoreReason])
    /// `agent` accepted or declined the invitation, or it `expired` unanswered.
    case inviteAnswered(agent: String, accept: Bool, expired: Bool)
    /// `agent` asked for help with `skills`.
    case helpRequested(agent: String, skills: [String], note: String?)
    /// The ticket has had no progress since `since`: it is on the backlog channel.
    case ticketStalled(since: Timestamp)
    /// The ticket moved up a tier (or, in a hybrid queue, a swarm formed instead).
    case ticketEscalated(Escalation)
    /// `agent` now works at `tiers`.
    case tiersChanged(agent: String, tiers: [Int])
    /// New tickets of `queue` are routed by `mode` (from the configuration, at start).
    case queueConfigured(queue: String, mode: RoutingMode)
    /// 80 % of an SLA target's time has passed; it falls due at `due`.
    case slaWarning(target: SLATarget, due: Timestamp)
    /// An SLA target's time ran out at `due` without it being met.
    case slaBreached(target: SLATarget, due: Timestamp)
    /// An article was written, or captured from the event's ticket (then as a draft).
    case kbCreated(Article)
    /// A draft article was published.
    case kbPublished(article: String)
    /// Articles that may solve the new ticket, best first (tier 0).
    case kbSuggested(articles: [ArticleMatch])
    /// The ticket was resolved with `article`; `deflected` when its requester did it (tier 0).
    case kbApplied(article: String, deflected: Bool)
    /// `agent` spent `minutes` on the ticket.
    case workLogged(agent: String, minutes: Int, note: String?)
    /// The alert of the ticket was raised again (a `ticket.open` with its `dedupKey`): it has now been
    /// raised `count` times, and `output` is the latest description.
    case alertRepeated(count: Int, output: String)
    /// The monitor reported the alert recovered with `output`; `resolved` when the queue resolves
    /// tickets on recovery (a `status.changed` to resolved follows in the same command).
    case alertRecovered(output: String, resolved: Bool)
    /// Mail the hub sent about the ticket to `address` could not be delivered: a delivery-status
    /// notification came back, with the enhanced `status` code (`5.1.1`) and the remote server's
    /// `diagnostic` when it gave them. Agents' news only: the requester never sees it.
    case mailBounced(address: String, status: String?, diagnostic: String?)
    /// A person's choice of notices by mail is now `settings` (`notify.set`); published on that
    /// person's channel only, for it holds their address.
    case notifyChanged(NotifySettings)
    /// A file was attached to the ticket (its metadata; the bytes are in the store).
    case attachmentAdded(Attachment)

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
        case .skillsChanged: .skillsChanged
        case .presenceChanged: .presenceChanged
        case .expertInvited: .expertInvited
        case .inviteAnswered: .inviteAnswered
        case .helpRequested: .helpRequested
        case .ticketStalled: .ticketStalled
        case .ticketEscalated: .ticketEscalated
        case .tiersChanged: .tiersChanged
        case .queueConfigured: .queueConfigured
        case .slaWarning: .slaWarning
        case .slaBreached: .slaBreached
        case .kbCreated: .kbCreated
        case .kbPublished: .kbPublished
        case .kbSuggested: .kbSuggested
        case .kbApplied: .kbApplied
        case .workLogged: .workLogged
        case .alertRepeated: .alertRepeated
        case .alertRecovered: .alertRecovered
        case .mailBounced: .mailBounced
        case .notifyChanged: .notifyChanged
        case .attachmentAdded: .attachmentAdded
        }
    }

    private enum Keys: String, CodingKey {
        case ticketState = "state"
        case agent, comment, from, to, resolution, skills, status, auto, score, origin, expires, reasons, accept
        case expired, note, since, tiers, queue, mode, target, due, article, articles, deflected, minutes
        case count, output, resolved, address, diagnostic, attachment
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
        case .skillsChanged:
            self = .skillsChanged(
                agent: try c.decode(String.self, forKey: .agent),
                skills: try c.decode([String: Int].self, forKey: .skills))
        case .presenceChanged:
            self = .presenceChanged(
                agent: try c.decode(String.self, forKey: .agent), status: try c.decode(Presence.self, forKey: .status),
                auto: try c.decodeIfPresent(Bool.self, forKey: .auto) ?? false)
        case .expertInvited:
            self = .expertInvited(
                agent: try c.decode(String.self, forKey: .agent), score: try c.decode(Int.self, forKey: .score),
                origin: try c.decode(InviteOrigin.self, forKey: .origin),
                expires: try c.decode(Timestamp.self, forKey: .expires),
                reasons: try c.decode([ScoreReason].self, forKey: .reasons))
        case .inviteAnswered:
            self = .inviteAnswered(
                agent: try c.decode(String.self, forKey: .agent), accept: try c.decode(Bool.self, forKey: .accept),
                expired: try c.decodeIfPresent(Bool.self, forKey: .expired) ?? false)
        case .helpRequested:
            self = .helpRequested(
                agent: try c.decode(String.self, forKey: .agent), skills: try c.decode([String].self, forKey: .skills),
                note: try c.decodeIfPresent(String.self, forKey: .note))
        case .ticketStalled:
            self = .ticketStalled(since: try c.decode(Timestamp.self, forKey: .since))
        case .ticketEscalated:
            self = .ticketEscalated(try Escalation(from: decoder))
        case .tiersChanged:
            self = .tiersChanged(
                agent: try c.decode(String.self, forKey: .agent), tiers: try c.decode([Int].self, forKey: .tiers))
        case .queueConfigured:
            self = .queueConfigured(
                queue: try c.decode(String.self, forKey: .queue), mode: try c.decode(RoutingMode.self, forKey: .mode))
        case .slaWarning:
            self = .slaWarning(
                target: try c.decode(SLATarget.self, forKey: .target), due: try c.decode(Timestamp.self, forKey: .due))
        case .slaBreached:
            self = .slaBreached(
                target: try c.decode(SLATarget.self, forKey: .target), due: try c.decode(Timestamp.self, forKey: .due))
        case .kbCreated:
            self = .kbCreated(try c.decode(Article.self, forKey: .article))
        case .kbPublished:
            self = .kbPublished(article: try c.decode(String.self, forKey: .article))
        case .kbSuggested:
            self = .kbSuggested(articles: try c.decode([ArticleMatch].self, forKey: .articles))
        case .kbApplied:
            self = .kbApplied(
                article: try c.decode(String.self, forKey: .article),
                deflected: try c.decode(Bool.self, forKey: .deflected))
        case .workLogged:
            self = .workLogged(
                agent: try c.decode(String.self, forKey: .agent), minutes: try c.decode(Int.self, forKey: .minutes),
                note: try c.decodeIfPresent(String.self, forKey: .note))
        case .alertRepeated:
            self = .alertRepeated(
                count: try c.decode(Int.self, forKey: .count), output: try c.decode(String.self, forKey: .output))
        case .alertRecovered:
            self = .alertRecovered(
                output: try c.decode(String.self, forKey: .output), resolved: try c.decode(Bool.self, forKey: .resolved)
            )
        case .mailBounced:
            self = .mailBounced(
                address: try c.decode(String.self, forKey: .address),
                status: try c.decodeIfPresent(String.self, forKey: .status),
                diagnostic: try c.decodeIfPresent(String.self, forKey: .diagnostic))
        case .notifyChanged:
            self = .notifyChanged(try NotifySettings(from: decoder))
        case .attachmentAdded:
            self = .attachmentAdded(try c.decode(Attachment.self, forKey: .attachment))
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
        case .skillsChanged(let agent, let skills):
            try c.encode(agent, forKey: .agent)
            try c.encode(skills, forKey: .skills)
        case .presenceChanged(let agent, let status, let auto):
            try c.encode(agent, forKey: .agent)
            try c.encode(status, forKey: .status)
            try c.encode(auto, forKey: .auto)
        case .expertInvited(let agent, let score, let origin, let expires, let reasons):
            try c.encode(agent, forKey: .agent)
            try c.encode(score, forKey: .score)
            try c.encode(origin, forKey: .origin)
            try c.encode(expires, forKey: .expires)
            try c.encode(reasons, forKey: .reasons)
        case .inviteAnswered(let agent, let accept, let expired):
            try c.encode(agent, forKey: .agent)
            try c.encode(accept, forKey: .accept)
            try c.encode(expired, forKey: .expired)
        case .helpRequested(let agent, let skills, let note):
            try c.encode(agent, forKey: .agent)
            try c.encode(skills, forKey: .skills)
            try c.encodeIfPresent(note, forKey: .note)
        case .ticketStalled(let since):
            try c.encode(since, forKey: .since)
        case .ticketEscalated(let escalation):
            try escalation.encode(to: encoder)
        case .tiersChanged(let agent, let tiers):
            try c.encode(agent, forKey: .agent)
            try c.encode(tiers, forKey: .tiers)
        case .queueConfigured(let queue, let mode):
            try c.encode(queue, forKey: .queue)
            try c.encode(mode, forKey: .mode)
        case .slaWarning(let target, let due), .slaBreached(let target, let due):
            try c.encode(target, forKey: .target)
            try c.encode(due, forKey: .due)
        case .kbCreated(let article):
            try c.encode(article, forKey: .article)
        case .kbPublished(let article):
            try c.encode(article, forKey: .article)
        case .kbSuggested(let articles):
            try c.encode(articles, forKey: .articles)
        case .kbApplied(let article, let deflected):
            try c.encode(article, forKey: .article)
            try c.encode(deflected, forKey: .deflected)
        case .workLogged(let agent, let minutes, let note):
            try c.encode(agent, forKey: .agent)
            try c.encode(minutes, forKey: .minutes)
            try c.encodeIfPresent(note, forKey: .note)
        case .alertRepeated(let count, let output):
            try c.encode(count, forKey: .count)
            try c.encode(output, forKey: .output)
        case .alertRecovered(let output, let resolved):
            try c.encode(output, forKey: .output)
            try c.encode(resolved, forKey: .resolved)
        case .mailBounced(let address, let status, let diagnostic):
            try c.encode(address, forKey: .address)
            try c.encodeIfPresent(status, forKey: .status)
            try c.encodeIfPresent(diagnostic, forKey: .diagnostic)
        case .notifyChanged(let settings):
            try settings.encode(to: encoder)
        case .attachmentAdded(let attachment):
            try c.encode(attachment, forKey: .attachment)
        }
    }
}
