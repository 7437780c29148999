public import SwarmProtocol

/// What routing needs to know about a ticket from before an event: whether the event takes it off
/// the dispatch or backlog channel.
public struct RoutingContext: Sendable, Hashable {
    var hadOwners: Bool
    var wasStalled: Bool
    var previousAssignee: String?
}

extension SwarmState {
    /// Read before applying `event`; pass to ``channels(for:context:)`` after.
    public func routingContext(for event: SwarmEvent) -> RoutingContext {
        let ticket = event.ticket.flatMap { tickets[$0] }
        return RoutingContext(
            hadOwners: !(ticket?.owners.isEmpty ?? true), wasStalled: ticket?.stalledSince != nil,
            previousAssignee: ticket?.assignee)
    }

    /// The channels an event is published on, most specific first (Protocol/README.md, "Channels"):
    /// - a ticket's event: `ticket:<id>`, `queue:<name>`, `agent:<id>` of the requester, of every
    ///   member, and of whoever just left, was removed, invited or answered; then `skill:` channels
    ///   of the skills it needs (and, for `help.requested`, those asked for); `dispatch` while the
    ///   ticket has no owner (and the event that gives it one); `backlog` while it is stalled (and
    ///   the event that ends that);
    /// - an agent's event (skills, presence): `agent:<id>`, `agents`.
    ///
    /// Call with the state *after* applying the event, so a new member's channel is included.
    public func channels(for event: SwarmEvent, context: RoutingContext) -> [Channel] {
        switch event.payload {
        case .skillsChanged(let agent, _), .presenceChanged(let agent, _, _), .tiersChanged(let agent, _):
            return [.agent(agent), .agents]
        case .notifyChanged(let settings):
            // It holds the person's address: for them (and the leads who may watch their channel).
            return [.agent(settings.agent)]
        case .queueConfigured(let queue, _):
            return [.queue(queue), .agents]
        case .kbPublished:
            return [.kb]
        case .kbCreated:
            // Captured articles are drafts: for the people who curate the knowledge base, not the
            // ticket's requester.
            return [.kb]
        default:
            break
        }
        guard let id = event.ticket, let ticket = tickets[id] else { return [] }
        var agents = [ticket.requester]
        for agent in ticket.members where !agents.contains(agent) { agents.append(agent) }
        for assignee in [ticket.assignee, context.previousAssignee].compactMap({ $0 }) where !agents.contains(assignee)
        {
            agents.append(assignee)
        }
        switch event.payload {
        case .swarmLeft(let agent), .ownerRemoved(let agent), .expertInvited(let agent, _, _, _, _),
            .inviteAnswered(let agent, _, _):
            if !agents.contains(agent) { agents.append(agent) }
        default:
            break
        }
        var channels: [Channel] = [.ticket(id), .queue(ticket.queue)] + agents.map(Channel.agent)
        var tags = ticket.requiredSkills
        if case .helpRequested(_, let asked, _) = event.payload {
            for tag in asked where !tags.contains(tag) { tags.append(tag) }
        }
        var seen = Set<Channel>()
        for tag in tags {
            for channel in Channel.skillChannels(for: tag) where seen.insert(channel).inserted {
                channels.append(channel)
            }
        }
        let statusEvent: Bool
        if case .statusChanged = event.payload { statusEvent = true } else { statusEvent = false }
        if (!context.hadOwners || ticket.owners.isEmpty) && (!ticket.status.isDone || statusEvent) {
            channels.append(.dispatch)
        }
        if context.wasStalled || ticket.stalledSince != nil { channels.append(.backlog) }
        switch event.payload {
        case .slaWarning, .slaBreached: channels.append(.sla)
        case .kbCreated: channels.append(.kb)
        default: break
        }
        return channels
    }
}
