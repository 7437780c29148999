public import SwarmProtocol

// Alert de-duplication (docs/monitoring.md): a monitor repeats an alert until it recovers; the hub,
// not each notifier, folds the repeats into one ticket. Because the one writer decides commands in
// order against the state the previous one left, two notifiers racing with the same key still make
// one ticket: the second open finds the first in `openAlerts`.
extension SwarmState {
    /// The `alert.repeated` event when `open` carries a key whose ticket is neither resolved nor
    /// closed; `nil` when a new ticket should open. `open` has already been validated as a new ticket.
    func repeatedAlert(_ open: TicketOpen, by principal: Principal, at now: Timestamp) throws(DomainError)
        -> [SwarmEvent]?
    {
        guard let key = open.dedupKey, let id = openAlerts[key], let ticket = tickets[id] else { return nil }
        guard Policy.canRead(principal, ticket) else {
            // Naming the ticket would leak it; opening a second one would defeat de-duplication.
            throw .conflict("dedupKey '\(key)' belongs to an open ticket you may not see; use another key")
        }
        let count = (ticket.alert?.count ?? 1) + 1
        return [
            SwarmEvent(
                ticket: id, actor: principal.id, at: now,
                payload: .alertRepeated(count: count, output: open.description)
            )
        ]
    }

    /// A recovery: `alert.recovered` on the key's ticket and, when its queue says so, `status.changed`
    /// to resolved. Nothing for a key with no open ticket the sender may see, nor for a recovery
    /// already logged since the alert last fired: monitors repeat recoveries too, and each is answered
    /// by an ack, never an error.
    func decideRecovery(
        key: String, output: String?, by principal: Principal, at now: Timestamp, settings: SwarmSettings
    ) throws(DomainError) -> [SwarmEvent] {
        if let problem = DedupKey.problem(key) { throw .invalid(problem) }
        let output = output ?? ""
        guard Limits.descriptionLength.contains(output.count) else {
            throw .invalid("field 'output' must have at most \(Limits.descriptionLength.upperBound) characters")
        }
        guard let ticket = recoveryTicket(key: key, for: principal), ticket.alert?.recoveredAt == nil else {
            return []
        }
        let resolves = settings.policy(of: ticket.queue).resolveOnRecovery
        var events = [
            SwarmEvent(
                ticket: ticket.id, actor: principal.id, at: now,
                payload: .alertRecovered(output: output, resolved: resolves))
        ]
        if resolves {
            let prefix = "Recovered: "
            let resolution = prefix + output.prefix(Limits.resolutionLength.upperBound - prefix.count)
            events.append(
                SwarmEvent(
                    ticket: ticket.id, actor: principal.id, at: now,
                    payload: .statusChanged(from: ticket.status, to: .resolved, resolution: String(resolution))))
        }
        return events
    }

    /// The open ticket of an alert key, if `principal` may see it.
    public func recoveryTicket(key: String, for principal: Principal) -> Ticket? {
        guard let id = openAlerts[key], let ticket = tickets[id], Policy.canRead(principal, ticket) else { return nil }
        return ticket
    }
}
