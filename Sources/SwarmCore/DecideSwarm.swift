public import SwarmProtocol

/// The swarming rules: skills, presence, invitations, help requests and the deadlines that fire
/// by themselves (invitation timeouts, backlog). See docs/skills.md.
extension SwarmState {
    /// Tags named by a command, each known to the taxonomy (synonyms read as their tag), without
    /// duplicates, in the order given.
    static func knownTags(_ names: [String], field: String, taxonomy: Taxonomy) throws(DomainError) -> [String] {
        guard names.count <= Limits.maxSkills else {
            throw .invalid("field '\(field)' may list at most \(Limits.maxSkills) tags")
        }
        var tags: [String] = []
        for name in names {
            guard Limits.isValidSkill(name) else {
                throw .invalid("field '\(field)': '\(name)' is not a skill tag (lowercase, dotted, like network.dns)")
            }
            guard let tag = taxonomy.resolve(name) else {
                throw .invalid("field '\(field)': unknown skill tag '\(name)' (GET /v1/skills lists them)")
            }
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    func decideSkills(
        of agent: String, _ skills: [String: Int], by principal: Principal, at now: Timestamp, taxonomy: Taxonomy
    ) throws(DomainError) -> [SwarmEvent] {
        guard Limits.isValidAgent(agent), agent != Self.systemActor else {
            throw .invalid("field 'agent' is not a valid agent id")
        }
        guard skills.count <= Limits.maxAgentSkills else {
            throw .invalid("field 'skills' may hold at most \(Limits.maxAgentSkills) tags")
        }
        var resolved: [String: Int] = [:]
        for (name, level) in skills.sorted(by: { $0.key < $1.key }) {
            let tag = try Self.knownTags([name], field: "skills", taxonomy: taxonomy)[0]
            guard Limits.skillLevel.contains(level) else {
                throw .invalid(
                    "field 'skills.\(name)': level must be \(Limits.skillLevel.lowerBound) to \(Limits.skillLevel.upperBound), not \(level)"
                )
            }
            resolved[tag] = max(resolved[tag] ?? 0, level)
        }
        if (agents[agent]?.skills ?? [:]) == resolved { return [] }
        return [
            SwarmEvent(
                ticket: nil, actor: principal.id, at: now, payload: .skillsChanged(agent: agent, skills: resolved))
        ]
    }

    func decidePresence(_ status: Presence, by principal: Principal, at now: Timestamp) throws(DomainError)
        -> [SwarmEvent]
    {
        guard status != .offline else {
            throw .invalid("field 'status': offline is set by the hub when your last connection closes")
        }
        if let profile = agents[principal.id], profile.presence == status, profile.chosen == status { return [] }
        return [
            SwarmEvent(
                ticket: nil, actor: principal.id, at: now,
                payload: .presenceChanged(agent: principal.id, status: status, auto: false))
        ]
    }

    func decideConnected(_ agent: String, at now: Timestamp) -> [SwarmEvent] {
        let profile = agents[agent]
        guard profile == nil || profile?.presence == .offline else { return [] }
        let status = profile?.chosen ?? .available
        return [
            SwarmEvent(
                ticket: nil, actor: Self.systemActor, at: now,
                payload: .presenceChanged(agent: agent, status: status, auto: true))
        ]
    }

    func decideDisconnected(_ agent: String, at now: Timestamp) -> [SwarmEvent] {
        guard let profile = agents[agent], profile.presence != .offline else { return [] }
        return [
            SwarmEvent(
                ticket: nil, actor: Self.systemActor, at: now,
                payload: .presenceChanged(agent: agent, status: .offline, auto: true))
        ]
    }

    func decideInvite(
        _ id: String, agent: String?, count: Int?, by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        let ticket = try workableTicket(id)
        if let agent {
            guard Limits.isValidAgent(agent), agent != Self.systemActor else {
                throw .invalid("field 'agent' is not a valid agent id")
            }
            guard agent != principal.id else { throw .invalid("you cannot invite yourself; join with swarm.join") }
            guard agent != ticket.requester else {
                throw .conflict("\(agent) opened \(id); requesters are not invited")
            }
            guard !ticket.members.contains(agent) else { throw .conflict("\(agent) is already in the swarm of \(id)") }
            guard !ticket.invitations.contains(where: { $0.agent == agent && $0.state == .pending }) else {
                throw .conflict("\(agent) already has a pending invitation to \(id)")
            }
            let profile = agents[agent] ?? AgentProfile(id: agent)
            let required = ticket.requiredSkills
            let candidate =
                score(profile, required: required)
                ?? Candidate(
                    agent: agent, score: 0,
                    reasons: [
                        ScoreReason(
                            factor: "skill", points: 0,
                            text: required.isEmpty
                                ? "\(id) names no skills" : "no skill matching \(required.joined(separator: ", "))")
                    ])
            return [invitation(candidate, to: id, origin: .requested, by: principal.id, at: now, settings: settings)]
        }
        let count = count ?? settings.invitationCount(queue: ticket.queue, priority: ticket.priority)
        guard (1...SwarmSettings.maxInvitations).contains(count) else {
            throw .invalid("field 'count' must be 1 to \(SwarmSettings.maxInvitations)")
        }
        let events = invitations(
            for: ticket, count: count, origin: .requested, by: principal, at: now, settings: settings)
        guard !events.isEmpty else {
            let needs =
                ticket.requiredSkills.isEmpty
                ? "names no skills" : "needs \(ticket.requiredSkills.joined(separator: ", "))"
            throw .conflict(
                "no available candidate for \(id) (it \(needs)); invite someone by name or ask with help.request")
        }
        return events
    }

    func decideAnswer(
        _ id: String, accept: Bool, by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        let ticket = try existingTicket(id)
        guard ticket.invitations.contains(where: { $0.agent == principal.id && $0.state == .pending }) else {
            throw .notFound("you have no pending invitation to \(id)")
        }
        guard !ticket.status.isDone else {
            throw .conflict("\(id) is \(ticket.status.rawValue); the invitation is moot")
        }
        let answered = SwarmEvent(
            ticket: id, actor: principal.id, at: now,
            payload: .inviteAnswered(agent: principal.id, accept: accept, expired: false))
        if accept {
            guard !ticket.members.contains(principal.id) else { return [answered] }
            return [
                answered,
                SwarmEvent(ticket: id, actor: principal.id, at: now, payload: .swarmJoined(agent: principal.id)),
            ]
        }
        return [answered]
            + invitations(for: ticket, count: 1, origin: .replacement, by: .system, at: now, settings: settings)
    }

    func decideHelp(
        _ id: String, skills: [String], note: String?, by principal: Principal, at now: Timestamp,
        settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        let ticket = try workableTicket(id)
        guard !skills.isEmpty else { throw .invalid("field 'skills' must list at least one tag") }
        let tags = try Self.knownTags(skills, field: "skills", taxonomy: settings.taxonomy)
        if let note, !Limits.resolutionLength.contains(note.count) {
            throw .invalid("field 'note' must have at most \(Limits.resolutionLength.upperBound) characters")
        }
        if let note { try Limits.checkText(note, field: "note", length: Limits.resolutionLength) }
        let asked = SwarmEvent(
            ticket: id, actor: principal.id, at: now,
            payload: .helpRequested(agent: principal.id, skills: tags, note: note))
        let count = settings.invitationCount(queue: ticket.queue, priority: ticket.priority)
        return [asked]
            + invitations(
                for: ticket, count: count, origin: .help, required: tags, by: principal, at: now, settings: settings)
    }

    /// The events of every deadline due at `now`, tickets in id order: invitations that expired
    /// (each replaced by the next candidate) and tickets that went without progress for the
    /// backlog time.
    func dueEvents(at now: Timestamp, settings: SwarmSettings) -> [SwarmEvent] {
        dueEvents(of: tickets.values, at: now, settings: settings)
    }

    /// What `decide(.tick)` gives, looking only at `candidates` (ids of tickets that may be due, such
    /// as ``DeadlineIndex/due(at:)`` returns; others and unknown ids are ignored): each due ticket is
    /// handled by itself, so the events are those of a tick over every ticket when the candidates
    /// hold every due one. Spares a scan of all open tickets per tick.
    public func tickEvents(of candidates: some Sequence<String>, at now: Timestamp, settings: SwarmSettings)
        -> [SwarmEvent]
    {
        dueEvents(of: candidates.compactMap { tickets[$0] }, at: now, settings: settings)
    }

    private func dueEvents(of candidates: some Sequence<Ticket>, at now: Timestamp, settings: SwarmSettings)
        -> [SwarmEvent]
    {
        var events: [SwarmEvent] = []
        var seen = Set<String>()
        let due = candidates.filter { ticket in
            guard seen.insert(ticket.id).inserted, let deadline = Self.deadline(of: ticket, settings: settings)
            else { return false }
            return deadline <= now
        }
        for ticket in due.sorted(by: { $0.number < $1.number }) {
            let expired = ticket.invitations.filter { $0.state == .pending && $0.expires <= now }
            for invitation in expired {
                events.append(
                    SwarmEvent(
                        ticket: ticket.id, actor: Self.systemActor, at: now,
                        payload: .inviteAnswered(agent: invitation.agent, accept: false, expired: true)))
            }
            if !expired.isEmpty {
                events += invitations(
                    for: ticket, count: expired.count, origin: .replacement, by: .system, at: now, settings: settings)
            }
            events += timedEscalation(of: ticket, at: now, settings: settings)
            events += slaEvents(of: ticket, at: now, settings: settings)
            if let stall = Self.stallDeadline(of: ticket, settings: settings), stall <= now {
                events.append(
                    SwarmEvent(
                        ticket: ticket.id, actor: Self.systemActor, at: now,
                        payload: .ticketStalled(since: ticket.updatedAt)))
            }
        }
        return events
    }

    /// The earliest deadline of any ticket: when the hub's timer must next issue `tick`.
    public func nextDeadline(settings: SwarmSettings) -> Timestamp? {
        var earliest: Timestamp?
        for ticket in tickets.values {
            guard let deadline = Self.deadline(of: ticket, settings: settings) else { continue }
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest
    }

    /// A ticket's earliest deadline (invitation, escalation, SLA, backlog), `nil` when it has none.
    /// It depends on the ticket and the settings alone, which is what lets ``DeadlineIndex`` keep
    /// it per ticket.
    static func deadline(of ticket: Ticket, settings: SwarmSettings) -> Timestamp? {
        guard !ticket.status.isDone else { return nil }
        var earliest = stallDeadline(of: ticket, settings: settings)
        if let escalation = escalationDeadline(of: ticket, settings: settings),
            earliest.map({ escalation < $0 }) ?? true
        {
            earliest = escalation
        }
        for invitation in ticket.invitations where invitation.state == .pending {
            if earliest.map({ invitation.expires < $0 }) ?? true { earliest = invitation.expires }
        }
        for (_, _, due) in slaMoments(of: ticket, settings: settings) where earliest.map({ due < $0 }) ?? true {
            earliest = due
        }
        return earliest
    }

    /// When the ticket goes on the backlog: the backlog time after its last progress, unless it is
    /// on it already, done, or waiting on the requester.
    private static func stallDeadline(of ticket: Ticket, settings: SwarmSettings) -> Timestamp? {
        guard !ticket.status.isDone, ticket.status != .waiting, ticket.stalledSince == nil else { return nil }
        return ticket.updatedAt.adding(milliseconds: settings.backlogAfter)
    }

    /// Invitations of the next `count` best candidates for the ticket (for `required` tags, the
    /// ticket's own by default), leaving out its requester, its members and everyone invited before.
    func invitations(
        for ticket: Ticket, count: Int, origin: InviteOrigin, required: [String]? = nil, by principal: Principal,
        at now: Timestamp, settings: SwarmSettings
    ) -> [SwarmEvent] {
        guard count > 0 else { return [] }
        var excluding = Set(ticket.members)
        excluding.insert(ticket.requester)
        for invitation in ticket.invitations { excluding.insert(invitation.agent) }
        return rank(required: required ?? ticket.requiredSkills, excluding: excluding, limit: count).map {
            invitation($0, to: ticket.id, origin: origin, by: principal.id, at: now, settings: settings)
        }
    }

    private func invitation(
        _ candidate: Candidate, to ticket: String, origin: InviteOrigin, by actor: String, at now: Timestamp,
        settings: SwarmSettings
    ) -> SwarmEvent {
        SwarmEvent(
            ticket: ticket, actor: actor, at: now,
            payload: .expertInvited(
                agent: candidate.agent, score: candidate.score, origin: origin,
                expires: now.adding(milliseconds: settings.inviteTimeout), reasons: candidate.reasons))
    }

    /// A ticket that exists and is still being worked (not resolved or closed).
    func workableTicket(_ id: String) throws(DomainError) -> Ticket {
        let ticket = try existingTicket(id)
        guard !ticket.status.isDone else { throw .conflict("\(id) is \(ticket.status.rawValue); reopen it first") }
        return ticket
    }
}
