internal import Foundation
internal import SwarmLanguage
public import SwarmProtocol

extension SwarmState {
    /// Decides what a command does: the events it causes, or why it is refused.
    ///
    /// Pure: no I/O, no clock (`now` is passed in). Either every event of the command is returned
    /// or an error is thrown, so a command is never half applied. Authorization is checked first
    /// (see ``Policy``).
    public func decide(
        _ command: Command, by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        try Policy.authorize(principal, command, in: self)
        let events = try decideAuthorized(command, by: principal, at: now, settings: settings)
        return followingWork(events, of: command, by: principal, at: now, settings: settings)
    }

    /// ``decide(_:by:at:settings:)`` once ``Policy`` has let the command through.
    private func decideAuthorized(
        _ command: Command, by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        func event(_ ticket: String, _ payload: EventPayload) -> SwarmEvent {
            SwarmEvent(ticket: ticket, actor: principal.id, at: now, payload: payload)
        }
        switch command {
        case .client(.ticketOpen(let open)):
            var ticket = try newTicket(open, by: principal, at: now, settings: settings)
            // A repeat of an alert whose ticket is still open is logged on that ticket (DecideAlerts.swift).
            if let repeated = try repeatedAlert(open, by: principal, at: now) { return repeated }
            ticket.mode = queueModes[ticket.queue] ?? .swarm
            guard ticket.mode == .swarm else {
                // Tiered and hybrid queues start at tier 1, with one assignee if one is available.
                ticket.tier = 1
                ticket.tierSince = now
                ticket.assignee = assignee(at: 1, excluding: [principal.id])
                return [event(ticket.id, .ticketOpened(ticket))]
            }
            let count = settings.invitationCount(queue: ticket.queue, priority: ticket.priority)
            return [event(ticket.id, .ticketOpened(ticket))]
                + invitations(for: ticket, count: count, origin: .opened, by: .system, at: now, settings: settings)

        case .client(.swarmJoin(let ref)):
            let id = ref.ticket
            let ticket = try activeTicket(id)
            guard !ticket.members.contains(principal.id) else {
                throw .conflict("\(principal.id) is already in the swarm of \(id)")
            }
            // Joining answers a pending invitation: it must not expire and invite someone else.
            return answeredByJoining(ticket, principal.id, event) + [event(id, .swarmJoined(agent: principal.id))]

        case .client(.swarmLeave(let ref)):
            let id = ref.ticket
            let ticket = try existingTicket(id)
            guard ticket.members.contains(principal.id) else {
                throw .conflict("\(principal.id) is not in the swarm of \(id)")
            }
            var events: [SwarmEvent] = []
            if ticket.owners.contains(principal.id) {
                try checkKeepsAnOwner(ticket, losing: principal.id)
                events.append(event(id, .ownerRemoved(agent: principal.id)))
            }
            events.append(event(id, .swarmLeft(agent: principal.id)))
            return events

        case .client(.commentAdd(let comment)):
            let (id, body, asked) = (comment.ticket, comment.body, comment.visibility)
            let ticket = try activeTicket(id)
            guard Limits.commentLength.contains(body.count) else {
                throw .invalid(
                    "field 'body' must have \(Limits.commentLength.lowerBound) to \(Limits.commentLength.upperBound) characters"
                )
            }
            try Limits.checkText(body, field: "body", length: Limits.commentLength)
            // Staff talk among themselves unless they say otherwise; whatever a requester writes is
            // a public reply (Policy refuses her an internal one).
            let visibility = asked ?? (principal.role == .requester ? .public : .internal)
            if comment.waiting == true {
                guard visibility == .public, principal.id != ticket.requester, principal.role != .requester else {
                    throw .invalid(
                        "field 'waiting' asks the requester a question: only staff's public replies carry it")
                }
                guard !ticket.status.isDone else {
                    throw .conflict("\(id) is \(ticket.status.rawValue); reopen it first")
                }
            }
            let replyNumber =
                visibility == .public ? ticket.comments.count { $0.visibility == .public } + 1 : nil
            let comment = Comment(
                number: ticket.comments.count + 1, author: principal.id, body: body, at: now, visibility: visibility,
                replyNumber: replyNumber)
            return [event(id, .commentAdded(comment))]

        case .client(.ownerAdd(let change)):
            let (id, agent) = (change.ticket, change.agent)
            let ticket = try activeTicket(id)
            guard Limits.isValidAgent(agent) else { throw .invalid("field 'agent' is not a valid agent id") }
            guard !ticket.owners.contains(agent) else { throw .conflict("\(agent) already owns \(id)") }
            var events: [SwarmEvent] = []
            if !ticket.members.contains(agent) {
                events += answeredByJoining(ticket, agent, event)
                events.append(event(id, .swarmJoined(agent: agent)))
            }
            events.append(event(id, .ownerAdded(agent: agent)))
            return events

        case .client(.ownerRemove(let change)):
            let (id, agent) = (change.ticket, change.agent)
            let ticket = try existingTicket(id)
            guard ticket.owners.contains(agent) else { throw .conflict("\(agent) does not own \(id)") }
            try checkKeepsAnOwner(ticket, losing: agent)
            return [event(id, .ownerRemoved(agent: agent))]

        case .client(.ticketStatus(let change)):
            let (id, status, resolution) = (change.ticket, change.status, change.resolution)
            let ticket = try existingTicket(id)
            if let resolution, !Limits.resolutionLength.contains(resolution.count) {
                throw .invalid("field 'resolution' must have at most \(Limits.resolutionLength.upperBound) characters")
            }
            if let resolution { try Limits.checkText(resolution, field: "resolution", length: Limits.resolutionLength) }
            var events: [SwarmEvent] = []
            // Starting work makes someone responsible: whoever starts it owns it if nobody does —
            // also when the hub already moved it in progress because someone joined (follow_work).
            if status == .inProgress && ticket.owners.isEmpty {
                if !ticket.members.contains(principal.id) {
                    events += answeredByJoining(ticket, principal.id, event)
                    events.append(event(id, .swarmJoined(agent: principal.id)))
                }
                events.append(event(id, .ownerAdded(agent: principal.id)))
                if ticket.status == .inProgress { return events }
            }
            guard ticket.status != status else { throw .conflict("\(id) is already \(status.rawValue)") }
            guard ticket.status.allowedNext.contains(status) else {
                let allowed = ticket.status.allowedNext.map(\.rawValue).joined(separator: ", ")
                throw .conflict(
                    "\(id) cannot go from \(ticket.status.rawValue) to \(status.rawValue) (allowed: \(allowed))")
            }
            events.append(event(id, .statusChanged(from: ticket.status, to: status, resolution: resolution)))
            return events

        case .client(.skillsSet(let set)):
            return try decideSkills(
                of: set.agent ?? principal.id, set.skills, by: principal, at: now, taxonomy: settings.taxonomy)
        case .attach(let add):
            return try decideAttach(add, by: principal, at: now, settings: settings)
        case .client(.notifySet(let set)):
            return try decideNotify(set, by: principal, at: now)
        case .client(.presenceSet(let presence)):
            return try decidePresence(presence.status, by: principal, at: now)
        case .client(.ticketInvite(let invite)):
            return try decideInvite(
                invite.ticket, agent: invite.agent, count: invite.count, by: principal, at: now, settings: settings)
        case .client(.inviteAnswer(let answer)):
            return try decideAnswer(answer.ticket, accept: answer.accept, by: principal, at: now, settings: settings)
        case .client(.helpRequest(let help)):
            return try decideHelp(
                help.ticket, skills: help.skills, note: help.note, by: principal, at: now, settings: settings)
        case .connected(let agent):
            return decideConnected(agent, at: now)
        case .disconnected(let agent):
            return decideDisconnected(agent, at: now)
        case .tick:
            return dueEvents(at: now, settings: settings)
        case .client(.ticketEscalate(let request)):
            return try decideEscalation(request, by: principal, at: now, settings: settings)
        case .client(.tiersSet(let set)):
            return try decideTiers(of: set.agent, set.tiers, by: principal, at: now)
        case .client(.kbCreate(let request)):
            return try decideArticle(request, by: principal, at: now, taxonomy: settings.taxonomy)
        case .client(.kbCapture(let ref)):
            return try decideCapture(ref.ticket, by: principal, at: now)
        case .client(.kbPublish(let publish)):
            return try decidePublish(publish.article, by: principal, at: now)
        case .client(.kbApply(let apply)):
            return try decideApply(apply.ticket, article: apply.article, by: principal, at: now)
        case .client(.workLog(let log)):
            let (id, minutes, note) = (log.ticket, log.minutes, log.note)
            _ = try existingTicket(id)
            guard Limits.workMinutes.contains(minutes) else {
                throw .invalid(
                    "field 'minutes' must be \(Limits.workMinutes.lowerBound) to \(Limits.workMinutes.upperBound) (one day at most per entry)"
                )
            }
            if let note, !Limits.workNoteLength.contains(note.count) {
                throw .invalid("field 'note' must have at most \(Limits.workNoteLength.upperBound) characters")
            }
            if let note { try Limits.checkText(note, field: "note", length: Limits.workNoteLength) }
            return [event(id, .workLogged(agent: principal.id, minutes: minutes, note: note))]
        case .client(.alertResolve(let resolve)):
            return try decideRecovery(
                key: resolve.dedupKey, output: resolve.output, by: principal, at: now, settings: settings)
        case .suggestArticles(let id, let matches):
            guard let ticket = tickets[id], !ticket.status.isDone, ticket.suggestedArticles.isEmpty, !matches.isEmpty
            else { return [] }
            return [SwarmEvent(ticket: id, actor: principal.id, at: now, payload: .kbSuggested(articles: matches))]
        case .mailBounced(let id, let address, let status, let diagnostic):
            // Only the requester's own address: a report about anyone else changes nothing.
            guard let ticket = tickets[id], ticket.requester == address else { return [] }
            func field(_ text: String?, _ length: Int) -> String? {
                text.map { Limits.cut(Limits.clean($0), toFit: 1...length) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            return [
                SwarmEvent(
                    ticket: id, actor: principal.id, at: now,
                    payload: .mailBounced(
                        address: address, status: field(status, 32), diagnostic: field(diagnostic, 500)))
            ]
        case .systemNote(let id, let body):
            let ticket = try existingTicket(id)
            // Cut to fit rather than refused: what the note reports must not be lost to its length.
            let text = Limits.cut(Limits.clean(body), toFit: Limits.commentLength)
            guard !text.isEmpty else {
                throw .invalid("field 'body' must have 1 to \(Limits.commentLength.upperBound) characters")
            }
            let comment = Comment(
                number: ticket.comments.count + 1, author: principal.id, body: text, at: now, visibility: .internal,
                replyNumber: nil)
            return [event(id, .commentAdded(comment))]
        case .configureQueue(let queue, let mode):
            guard Limits.isValidQueue(queue) else { throw .invalid("'\(queue)' is not a queue name") }
            guard (queueModes[queue] ?? .swarm) != mode else { return [] }
            return [
                SwarmEvent(
                    ticket: nil, actor: principal.id, at: now, payload: .queueConfigured(queue: queue, mode: mode))
            ]
        }
    }

    func newTicket(_ open: TicketOpen, by principal: Principal, at now: Timestamp, settings: SwarmSettings)
        throws(DomainError) -> Ticket
    {
        let requester = try Self.requester(of: open, by: principal)
        let taxonomy = settings.taxonomy
        let title = open.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Limits.titleLength.contains(title.count) else {
            throw .invalid(
                "field 'title' must have \(Limits.titleLength.lowerBound) to \(Limits.titleLength.upperBound) characters"
            )
        }
        try Limits.checkText(title, field: "title", length: Limits.titleLength, multiline: false)
        guard Limits.descriptionLength.contains(open.description.count) else {
            throw .invalid("field 'description' must have at most \(Limits.descriptionLength.upperBound) characters")
        }
        try Limits.checkText(open.description, field: "description", length: Limits.descriptionLength)
        let queue = open.queue ?? settings.categoryQueues[open.category] ?? Limits.defaultQueue
        guard Limits.isValidQueue(queue) else {
            throw .invalid("field 'queue' must be 1 to 64 lowercase letters, digits, '-' or '_'")
        }
        let skills = open.skills ?? []
        guard skills.count <= Limits.maxSkills else {
            throw .invalid("field 'skills' may list at most \(Limits.maxSkills) tags")
        }
        let unique = try Self.knownTags(skills, field: "skills", taxonomy: taxonomy)
        if let key = open.dedupKey, let problem = DedupKey.problem(key) { throw .invalid(problem) }
        let language = try Self.language(given: open.language, detectedIn: title + "\n" + open.description)
        let inferred = taxonomy.infer(
            category: open.category, text: title + "\n" + open.description, given: unique, language: language)
        var ticket = Ticket(
            id: Ticket.id(number: ticketCount + 1), title: title, description: open.description,
            requester: requester, category: open.category, urgency: open.urgency, impact: open.impact,
            queue: queue, skills: unique, inferredSkills: inferred, openedAt: now,
            via: open.via ?? Self.defaultVia(of: open, by: principal)
        )
        ticket.alert = open.dedupKey.map { TicketAlert(key: $0, output: open.description) }
        ticket.language = language?.code
        return ticket
    }

    /// The language of a text: the one a command's `language` field names, else the one its words are
    /// in (``LanguageDetector``), `nil` when they do not tell. Decided here, so the event carries it
    /// and a replay never detects again (nor with a changed detector).
    ///
    /// - Throws: `invalid` "field 'language' must be de or en" for any other code.
    static func language(given code: String?, detectedIn text: String) throws(DomainError) -> Language? {
        guard let code else { return LanguageDetector.detect(text) }
        guard let given = Language(code: code) else { throw .invalid("field 'language' must be de or en") }
        return given
    }

    /// Whose ticket `open` makes: the sender's, or the requester staff named (``RequesterName``, an
    /// address with its domain in lower case). A requester naming anyone but herself was refused by
    /// ``Policy``; whether a name is a requester's and an address's domain allowed is the hub's check.
    static func requester(of open: TicketOpen, by principal: Principal) throws(DomainError) -> String {
        guard let named = open.requester, principal.role.opensForRequesters else { return principal.id }
        guard let requester = RequesterName(parsing: named) else { throw .invalid(RequesterName.formProblem) }
        guard requester.id != principal.id else {
            throw .invalid("field 'requester': \(named) is staff; open a ticket for a requester, or leave it out")
        }
        return requester.id
    }

    /// How a ticket came in when `ticket.open` does not say: an alert from monitoring, a requester's
    /// own through the portal, staff's through the API.
    static func defaultVia(of open: TicketOpen, by principal: Principal) -> Via {
        if open.dedupKey != nil { return .monitoring }
        return principal.role == .requester ? .portal : .api
    }

    /// `invite.answered {accept: true}` when `agent`, about to join, has a pending invitation.
    private func answeredByJoining(
        _ ticket: Ticket, _ agent: String, _ event: (String, EventPayload) -> SwarmEvent
    ) -> [SwarmEvent] {
        guard ticket.invitations.contains(where: { $0.agent == agent && $0.state == .pending }) else { return [] }
        return [event(ticket.id, .inviteAnswered(agent: agent, accept: true, expired: false))]
    }

    func existingTicket(_ id: String) throws(DomainError) -> Ticket {
        guard let ticket = tickets[id] else { throw .notFound("no ticket \(id)") }
        return ticket
    }

    func activeTicket(_ id: String) throws(DomainError) -> Ticket {
        let ticket = try existingTicket(id)
        guard ticket.status != .closed else { throw .conflict("\(id) is closed; reopen it first") }
        return ticket
    }

    /// A ticket being worked (in progress or waiting) never loses its last owner.
    private func checkKeepsAnOwner(_ ticket: Ticket, losing agent: String) throws(DomainError) {
        let worked = ticket.status == .inProgress || ticket.status == .waiting
        if worked && ticket.owners == [agent] {
            throw .conflict(
                "\(agent) is the last owner of \(ticket.id), which is \(ticket.status.rawValue); add another owner first"
            )
        }
    }
}
