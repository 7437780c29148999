import SwarmCore
import SwarmProtocol
import Testing

@Suite("work.log: effort on a ticket")
struct WorkLogTests {
    @Test("agents log minutes on a ticket, resolved or not; the ticket adds them up; the log replays")
    func logWork() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let events = try world.run(
            .client(.workLog(WorkLog(ticket: "T-1", minutes: 25, note: "traced the tunnel"))), by: bob)
        #expect(events.map(\.payload) == [.workLogged(agent: "bob", minutes: 25, note: "traced the tunnel")])
        #expect(world.routes.last?.contains("ticket:T-1") == true)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "MTU"))), by: alice)
        // Work written down after resolving still counts.
        try world.run(.client(.workLog(WorkLog(ticket: "T-1", minutes: 5))), by: alice)
        #expect(world.ticket().effortMinutes == 30)
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("minutes from 1 to a day, a short note, an existing ticket, and not requesters")
    func refusals() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let before = world.state
        #expect(world.refuses(.client(.workLog(WorkLog(ticket: "T-1", minutes: 0))), by: alice, .invalid))
        #expect(world.refuses(.client(.workLog(WorkLog(ticket: "T-1", minutes: -5))), by: alice, .invalid))
        #expect(world.refuses(.client(.workLog(WorkLog(ticket: "T-1", minutes: 1441))), by: alice, .invalid))
        let long = String(repeating: "x", count: 2001)
        #expect(world.refuses(.client(.workLog(WorkLog(ticket: "T-1", minutes: 5, note: long))), by: alice, .invalid))
        #expect(world.refuses(.client(.workLog(WorkLog(ticket: "T-9", minutes: 5))), by: alice, .notFound))
        #expect(
            world.refuses(.client(.workLog(WorkLog(ticket: "T-1", minutes: 5))), by: requester, .forbidden))
        #expect(world.state == before)
    }
}
