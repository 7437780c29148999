public import SwarmProtocol

extension SwarmState {
    /// Applies one event. Total: events in the log were decided against the state they apply to,
    /// so an event that does not fit (which replay of a consistent log never produces) changes nothing.
    public mutating func apply(_ event: SwarmEvent) {
        if case .ticketOpened(let ticket) = event.payload {
            tickets[ticket.id] = ticket
            ticketCount = max(ticketCount, ticket.number)
            return
        }
        // Take the ticket out while changing it, so its arrays are uniquely referenced and grow in
        // place (copying a long comment list on every event made a busy ticket quadratic).
        guard let id = event.ticket, var ticket = tickets.removeValue(forKey: id) else { return }
        defer { tickets[id] = ticket }
        ticket.updatedAt = event.at
        switch event.payload {
        case .ticketOpened:
            break
        case .swarmJoined(let agent):
            if !ticket.members.contains(agent) { ticket.members.append(agent) }
        case .swarmLeft(let agent):
            ticket.members.removeAll { $0 == agent }
            ticket.owners.removeAll { $0 == agent }
        case .commentAdded(let comment):
            ticket.comments.append(comment)
        case .ownerAdded(let agent):
            if !ticket.members.contains(agent) { ticket.members.append(agent) }
            if !ticket.owners.contains(agent) { ticket.owners.append(agent) }
        case .ownerRemoved(let agent):
            ticket.owners.removeAll { $0 == agent }
        case .statusChanged(let from, let to, let resolution):
            ticket.status = to
            switch to {
            case .resolved:
                ticket.resolution = resolution
                ticket.resolvedAt = event.at
            case .closed:
                ticket.closedAt = event.at
                if let resolution { ticket.resolution = resolution }
            case .open where from.isDone:
                ticket.reopenCount += 1
                ticket.resolution = nil
                ticket.resolvedAt = nil
                ticket.closedAt = nil
            default:
                break
            }
        }
    }
}
