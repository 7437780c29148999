import SwarmCore
import SwarmProtocol
import Testing

func alertCommand(_ key: String, output: String = "DISK CRITICAL", queue: String? = nil) -> Command {
    .client(
        .ticketOpen(
            TicketOpen(
                title: "db1: disk full", description: output, category: .hardware, urgency: .high, impact: .medium,
                queue: queue, dedupKey: key)))
}

@Suite("Alert de-duplication: decide and apply")
struct AlertDedupCoreTests {
    @Test("repeats fold into the open ticket; resolving frees the key; reopening takes it back; the log replays")
    func lifecycle() throws {
        var world = World()
        try world.run(alertCommand("k"), by: requester)
        for n in 2...5 {
            let events = try world.run(alertCommand("k", output: "try \(n)"), by: requester)
            #expect(events.map(\.payload) == [.alertRepeated(count: n, output: "try \(n)")])
            #expect(events.first?.ticket == "T-1")
        }
        #expect(world.state.tickets.count == 1)
        #expect(world.ticket().alert == TicketAlert(key: "k", count: 5, output: "try 5"))
        // Repeats are not progress, and reach the ticket's channels.
        #expect(world.ticket().updatedAt == world.ticket().openedAt)
        #expect(world.routes.last?.contains("ticket:T-1") == true)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "disk replaced"))),
            by: alice)
        #expect(world.state.openAlerts.isEmpty)
        try world.run(alertCommand("k"), by: requester)
        #expect(world.state.openAlerts == ["k": "T-2"])
        // T-1 reopened while T-2 holds the key: T-2 keeps it.
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: alice)
        #expect(world.state.openAlerts == ["k": "T-2"])
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-2", status: .resolved))), by: alice)
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-2", status: .open))), by: alice)
        #expect(world.state.openAlerts == ["k": "T-2"])
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("a recovery is logged once, resolves where the queue says so, and an unknown key causes nothing")
    func recovery() throws {
        var world = World()
        world.settings.queues["ops"] = {
            var policy = QueuePolicy()
            policy.resolveOnRecovery = true
            return policy
        }()
        try world.run(alertCommand("a"), by: requester)
        try world.run(alertCommand("b", queue: "ops"), by: requester)
        let recovered = try world.run(.client(.alertResolve(AlertResolve(dedupKey: "a", output: "OK"))), by: requester)
        #expect(recovered.map(\.payload) == [.alertRecovered(output: "OK", resolved: false)])
        #expect(try world.run(.client(.alertResolve(AlertResolve(dedupKey: "a", output: "OK"))), by: requester).isEmpty)
        #expect(world.ticket("T-1").status == .new)
        let resolved = try world.run(.client(.alertResolve(AlertResolve(dedupKey: "b", output: nil))), by: requester)
        #expect(
            resolved.map(\.payload) == [
                .alertRecovered(output: "", resolved: true),
                .statusChanged(from: .new, to: .resolved, resolution: "Recovered: "),
            ])
        #expect(world.state.openAlerts == ["a": "T-1"])
        #expect(
            try world.run(.client(.alertResolve(AlertResolve(dedupKey: "never", output: nil))), by: requester).isEmpty)
        // Another requester's alert is unknown to them, and its key is not theirs to open with.
        #expect(
            try world.run(.client(.alertResolve(AlertResolve(dedupKey: "a", output: nil))), by: otherRequester).isEmpty)
        #expect(world.refuses(alertCommand("a"), by: otherRequester, .conflict))
        #expect(world.refuses(alertCommand(" a"), by: requester, .invalid))
        #expect(world.refuses(.client(.alertResolve(AlertResolve(dedupKey: "", output: nil))), by: requester, .invalid))
        #expect(SwarmState.replaying(world.log) == world.state)
    }
}
