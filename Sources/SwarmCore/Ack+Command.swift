public import SwarmProtocol

extension Ack {
    /// Fills the fields of the ack that depend on the command: the ticket of `ticket.open` (the new
    /// one, or the open ticket an alert repeated on, with `repeated`), and the ticket of
    /// `alert.resolve` (or `unknown` when no open ticket of the sender had its key).
    ///
    /// - Parameters:
    ///   - events: what the command caused;
    ///   - state: the state after applying them.
    public mutating func describe(
        _ command: Command, by principal: Principal, events: [SwarmEvent], in state: SwarmState
    ) {
        switch command {
        case .client(.ticketOpen):
            ticket = events.first?.ticket
            if case .alertRepeated? = events.first?.payload { repeated = true }
        case .client(.alertResolve(let resolve)):
            let key = resolve.dedupKey
            // A recovery already logged causes nothing; its ticket is still the answer.
            ticket = events.first?.ticket ?? state.recoveryTicket(key: key, for: principal)?.id
            if ticket == nil { unknown = true }
        case .attach:
            ticket = events.first?.ticket
            if case .attachmentAdded(let file)? = events.first?.payload { attachment = file.id }
        default:
            break
        }
    }
}
