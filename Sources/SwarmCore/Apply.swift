public import SwarmProtocol

extension SwarmState {
    /// Applies one event. Total: events in the log were decided against the state they apply to,
    /// so an event that does not fit (which replay of a consistent log never produces) changes nothing.
    public mutating func apply(_ event: SwarmEvent) {
        switch event.payload {
        case .ticketOpened(let ticket):
            tickets[ticket.id] = ticket
            ticketCount = max(ticketCount, ticket.number)
            if let assignee = ticket.assignee { updateAgent(assignee) { $0.assigned.append(ticket.id) } }
            if let key = ticket.alert?.key, !ticket.status.isDone { openAlerts[key] = ticket.id }
            return
        case .tiersChanged(let agent, let tiers):
            updateAgent(agent) { $0.tiers = tiers }
            return
        case .queueConfigured(let queue, let mode):
            queueModes[queue] = mode
            return
        case .kbCreated(let article):
            articles[article.id] = article
            articleCount = max(articleCount, article.number)
            if event.ticket == nil { return }
        case .kbPublished(let id):
            articles[id]?.status = .published
            articles[id]?.updatedAt = event.at
            return
        case .skillsChanged(let agent, let skills):
            setSkills(of: agent, to: skills)
            return
        case .notifyChanged(let settings):
            notifications[settings.agent] = settings.mail == nil ? nil : settings
            return
        case .presenceChanged(let agent, let status, let auto):
            updateAgent(agent) { profile in
                profile.presence = status
                if !auto { profile.chosen = status }
            }
            return
        default:
            break
        }
        // Take the ticket out while changing it, so its arrays are uniquely referenced and grow in
        // place (copying a long comment list on every event made a busy ticket quadratic).
        guard let id = event.ticket, var ticket = tickets.removeValue(forKey: id) else { return }
        defer { tickets[id] = ticket }
        // Progress is what people do; the hub's own events (timeouts, automatic invitations) are not,
        // nor is a monitor repeating or clearing its alert.
        if event.actor != Self.systemActor, !event.payload.isAlertReport {
            ticket.updatedAt = event.at
            ticket.stalledSince = nil
        }
        // The first answer from someone other than the requester stops the first-response clock.
        if ticket.firstResponseAt == nil, event.actor != ticket.requester, event.actor != Self.systemActor {
            switch event.payload {
            case .commentAdded, .statusChanged: ticket.firstResponseAt = event.at
            default: break
            }
        }
        // The same two times as the requester sees them, from the events she may see: an internal
        // note must not show her when the swarm talked (Policy.view(of: Ticket, for:)).
        if Policy.requesterSees(event, ofTicketRequestedBy: ticket.requester) {
            if event.actor != Self.systemActor, !event.payload.isAlertReport { ticket.publicUpdatedAt = event.at }
            if ticket.publicFirstResponseAt == nil, event.actor != ticket.requester, event.actor != Self.systemActor {
                switch event.payload {
                case .commentAdded, .statusChanged: ticket.publicFirstResponseAt = event.at
                default: break
                }
            }
        }
        switch event.payload {
        case .ticketOpened, .skillsChanged, .presenceChanged, .tiersChanged, .queueConfigured, .kbCreated, .kbPublished,
            .notifyChanged:
            break
        case .attachmentAdded(let attachment):
            ticket.attachments.append(attachment)
            attachmentCount = max(attachmentCount, attachment.number)
            attachmentTickets[attachment.id] = id
        case .kbSuggested(let matches):
            ticket.suggestedArticles = matches.map(\.id)
        case .kbApplied(let article, let deflected):
            ticket.resolvedWith = article
            ticket.deflected = deflected
        case .swarmJoined(let agent):
            join(agent, &ticket)
        case .swarmLeft(let agent):
            ticket.members.removeAll { $0 == agent }
            ticket.owners.removeAll { $0 == agent }
            updateAgent(agent) { $0.activeSwarms.removeAll { $0 == id } }
        case .commentAdded(let comment):
            ticket.comments.append(comment)
        case .ownerAdded(let agent):
            join(agent, &ticket)
            if !ticket.owners.contains(agent) { ticket.owners.append(agent) }
        case .ownerRemoved(let agent):
            ticket.owners.removeAll { $0 == agent }
        case .statusChanged(let from, let to, let resolution):
            ticket.status = to
            // The SLA clock runs unless the ticket waits on its requester or is resolved or closed.
            let wasRunning = !(from.isDone || from == .waiting)
            let running = !(to.isDone || to == .waiting)
            if wasRunning && !running, let last = ticket.slaSpans.indices.last, ticket.slaSpans[last].end == nil {
                ticket.slaSpans[last].end = event.at
            } else if running && !wasRunning {
                ticket.slaSpans.append(SLASpan(start: event.at))
                // The tier's time limit starts again too: waiting on the requester is not the tier's time.
                if ticket.tier != nil { ticket.tierSince = event.at }
            }
            switch to {
            case .resolved:
                ticket.resolution = resolution
                ticket.resolvedAt = event.at
            case .closed:
                ticket.closedAt = event.at
                if let resolution { ticket.resolution = resolution }
            case .open where from.isDone:
                ticket.reopenCount += 1
                // A self-service fix that did not hold is not a deflection.
                ticket.resolvedWith = nil
                ticket.deflected = false
                ticket.resolution = nil
                ticket.resolvedAt = nil
                ticket.closedAt = nil
            default:
                break
            }
            if let assignee = ticket.assignee, to.isDone != from.isDone {
                updateAgent(assignee) { profile in
                    profile.assigned.removeAll { $0 == id }
                    if !to.isDone { profile.assigned.append(id) }
                }
            }
            // The alert index holds tickets that are neither resolved nor closed; a reopened ticket
            // takes its key back unless a newer ticket holds it.
            if let key = ticket.alert?.key {
                if to.isDone && openAlerts[key] == id {
                    openAlerts[key] = nil
                } else if !to.isDone && openAlerts[key] == nil {
                    openAlerts[key] = id
                }
            }
            if to.isDone && !from.isDone {
                // Invitations to a finished ticket lapse; reopening it does not revive them.
                for index in ticket.invitations.indices where ticket.invitations[index].state == .pending {
                    ticket.invitations[index].state = .expired
                }
                let required = ticket.requiredSkills
                for agent in ticket.members {
                    updateAgent(agent) { profile in
                        profile.activeSwarms.removeAll { $0 == id }
                        if to == .resolved { for tag in required { profile.resolved[tag, default: 0] += 1 } }
                    }
                }
            } else if from.isDone && !to.isDone {
                for agent in ticket.members {
                    updateAgent(agent) { profile in
                        if !profile.activeSwarms.contains(id) { profile.activeSwarms.append(id) }
                    }
                }
            }
        case .expertInvited(let agent, let score, let origin, let expires, _):
            ticket.invitations.append(
                Invitation(agent: agent, score: score, origin: origin, at: event.at, expires: expires))
        case .inviteAnswered(let agent, let accept, let expired):
            if let index = ticket.invitations.lastIndex(where: { $0.agent == agent && $0.state == .pending }) {
                ticket.invitations[index].state = expired ? .expired : accept ? .accepted : .declined
            }
        case .helpRequested, .mailBounced:
            break
        case .workLogged(_, let minutes, _):
            ticket.effortMinutes += minutes
        case .alertRepeated(let count, let output):
            ticket.alert?.count = count
            ticket.alert?.output = output
            ticket.alert?.recoveredAt = nil
        case .alertRecovered(let output, _):
            ticket.alert?.output = output
            ticket.alert?.recoveredAt = event.at
        case .ticketStalled(let since):
            ticket.stalledSince = since
        case .slaWarning(let target, _):
            ticket.slaFired.append(target.fired(SLAPolicy.warningPercent))
        case .slaBreached(let target, _):
            ticket.slaFired.append(target.fired(100))
        case .ticketEscalated(let escalation):
            if let previous = ticket.assignee { updateAgent(previous) { $0.assigned.removeAll { $0 == id } } }
            ticket.assignee = escalation.assignee
            if let assignee = escalation.assignee { updateAgent(assignee) { $0.assigned.append(id) } }
            if escalation.swarm {
                ticket.mode = .swarm
                ticket.tier = nil
                ticket.tierSince = nil
            } else {
                ticket.tier = escalation.to
                ticket.tierSince = event.at
                ticket.handoffs += 1
            }
            if let vendor = escalation.vendor {
                ticket.vendor = vendor
                ticket.vendorRef = escalation.vendorRef
            }
        }
    }

    /// Adds a member, and the ticket to their active swarms while it is being worked.
    private mutating func join(_ agent: String, _ ticket: inout Ticket) {
        guard !ticket.members.contains(agent) else { return }
        ticket.members.append(agent)
        let id = ticket.id
        if !ticket.status.isDone {
            updateAgent(agent) { profile in
                if !profile.activeSwarms.contains(id) { profile.activeSwarms.append(id) }
            }
        }
    }
}

extension EventPayload {
    /// Whether the event is a monitor reporting on its alert (repeat or recovery), not work on the ticket.
    var isAlertReport: Bool {
        switch self {
        case .alertRepeated, .alertRecovered: true
        default: false
        }
    }
}
