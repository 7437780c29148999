import SwarmCore
import SwarmProtocol

let t0 = Timestamp(milliseconds: 1_700_000_000_000)
let alice = Principal(id: "alice", role: .agent)
let bob = Principal(id: "bob", role: .expert)
let carol = Principal(id: "carol", role: .agent)
let lead = Principal(id: "lena", role: .lead)
let requester = Principal(id: "rita", role: .requester)
let otherRequester = Principal(id: "rob", role: .requester)

func openCommand(title: String = "VPN drops every hour", queue: String? = nil, skills: [String]? = nil) -> Command {
    .openTicket(
        TicketOpen(
            title: title, description: "Since Monday", category: .network, urgency: .high, impact: .medium,
            skills: skills, queue: queue))
}

/// A state built by deciding and applying commands, as the ledger does; records every event.
struct World {
    var state = SwarmState()
    var log: [SwarmEvent] = []
    var clock = t0

    @discardableResult
    mutating func run(_ command: Command, by principal: Principal) throws(DomainError) -> [SwarmEvent] {
        clock = clock.adding(milliseconds: 1000)
        let events = try state.decide(command, by: principal, at: clock)
        for event in events { state.apply(event) }
        log += events
        return events
    }

    func ticket(_ id: String = "T-1") -> Ticket { state.tickets[id]! }

    /// Decides and expects a refusal of `kind`; the state must not change.
    func refuses(_ command: Command, by principal: Principal, _ kind: DomainError.Kind) -> Bool {
        do {
            _ = try state.decide(command, by: principal, at: clock)
            return false
        } catch {
            return error.kind == kind
        }
    }
}
