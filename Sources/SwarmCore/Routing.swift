public import SwarmProtocol

extension SwarmState {
    /// The channels an event is published on, most specific first: `ticket:<id>`, `queue:<name>`,
    /// then `agent:<id>` of the requester and everyone in the swarm (and of whoever just left it).
    ///
    /// Call with the state *after* applying the event, so a new member's channel is included.
    public func channels(for event: SwarmEvent) -> [Channel] {
        guard let id = event.ticket, let ticket = tickets[id] else { return [] }
        var agents = [ticket.requester]
        for agent in ticket.members where !agents.contains(agent) { agents.append(agent) }
        switch event.payload {
        case .swarmLeft(let agent), .ownerRemoved(let agent):
            if !agents.contains(agent) { agents.append(agent) }
        default:
            break
        }
        return [.ticket(id), .queue(ticket.queue)] + agents.map(Channel.agent)
    }
}
