import SwarmCore
import SwarmProtocol
import Testing

/// The SLA events among `events`: (type, target).
func slaEvents(_ events: [SwarmEvent]) -> [String] {
    events.compactMap {
        switch $0.payload {
        case .slaWarning(let target, _): "warning:\(target.rawValue)"
        case .slaBreached(let target, _): "breached:\(target.rawValue)"
        default: nil
        }
    }
}

@Suite("SLA: targets, warnings and breaches")
struct SLATests {
    let minute: Int64 = 60_000

    /// general has the standard SLA (P3: first response 4 h, resolution 24 h); no backlog noise.
    func world() -> World {
        var world = World()
        var policy = QueuePolicy()
        policy.sla = .standard
        world.settings.defaultQueue = policy
        world.settings.backlogAfter = 100 * 86_400_000
        return world
    }

    func p3(_ title: String = "Outlook is slow") -> Command {
        .client(
            .ticketOpen(
                TicketOpen(title: title, description: "", category: .software, urgency: .medium, impact: .medium)))
    }

    @Test("warning at 80 %, breach at 100 %, each once; the first answer stops the first-response clock")
    func warningAndBreach() throws {
        var world = world()
        try world.run(p3(), by: requester)
        #expect(world.ticket().priority == .p3)
        let opened = world.clock
        // First response: 4 h; 80 % is 3 h 12 min.
        #expect(world.state.nextDeadline(settings: world.settings) == opened.adding(milliseconds: 192 * minute))
        world.clock = opened.adding(milliseconds: 192 * minute)
        let warning = try world.runNow(.tick, by: .system)
        #expect(slaEvents(warning) == ["warning:first_response"])
        #expect(
            warning.first?.payload
                == .slaWarning(target: .firstResponse, due: opened.adding(milliseconds: 240 * minute)))
        #expect(world.routes.last?.contains("sla") == true)
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        world.clock = opened.adding(milliseconds: 240 * minute)
        #expect(slaEvents(try world.runNow(.tick, by: .system)) == ["breached:first_response"])
        // A comment by the requester is not a response; one by an agent is.
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "any news?"))), by: requester)
        #expect(world.ticket().firstResponseAt == nil)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "looking"))), by: alice)
        #expect(world.ticket().firstResponseAt == world.clock)
        // Resolution: 24 h; 80 % is 19 h 12 min after opening.
        #expect(world.state.nextDeadline(settings: world.settings) == opened.adding(milliseconds: 1152 * minute))
        world.clock = opened.adding(milliseconds: 1440 * minute)
        #expect(slaEvents(try world.runNow(.tick, by: .system)) == ["warning:resolution", "breached:resolution"])
        #expect(world.state.nextDeadline(settings: world.settings) == onlyBacklog(world), "no SLA moment left")
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("the clock stops while waiting on the requester and after resolution")
    func pauses() throws {
        var world = world()
        try world.run(p3(), by: requester)
        let opened = world.clock
        // +1 s: a response, +2 s: paused.
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: alice)
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .waiting))), by: alice)
        #expect(world.state.nextDeadline(settings: world.settings) == nil)
        world.clock = opened.adding(milliseconds: 30 * 60 * minute)  // 30 h waiting: no breach
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: alice)
        // 2 s ran before the pause; the rest (24 h - 2 s) runs from the resume.
        let resumed = world.clock
        let due = resumed.adding(milliseconds: 24 * 60 * minute - 2000)
        #expect(world.ticket().slaSpans.count == 2)
        world.clock = due
        #expect(slaEvents(try world.runNow(.tick, by: .system)) == ["warning:resolution", "breached:resolution"])
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "done"))), by: alice)
        #expect(world.state.nextDeadline(settings: world.settings) == nil)
    }

    @Test("business hours: the clock runs Monday to Friday 09:00-17:00 at the configured offset")
    func businessHours() throws {
        var world = world()
        var policy = SLAPolicy.standard
        policy.businessHours = BusinessHours(days: [1, 2, 3, 4, 5], start: 9 * 60, end: 17 * 60, utcOffsetMinutes: 60)
        world.settings.defaultQueue.sla = policy
        // Friday 2026-11-20 15:00 local (+01:00) = 14:00 UTC.
        world.clock = try #require(Timestamp(iso8601: "2026-11-20T14:00:00.000Z")).adding(milliseconds: -1000)
        try world.run(p3(), by: requester)
        // First response 4 h: 2 h on Friday (15-17), 2 h on Monday (9-11 local = 08-10 UTC).
        let due = try #require(Timestamp(iso8601: "2026-11-23T10:00:00.000Z"))
        #expect(
            world.state.nextDeadline(settings: world.settings)
                == Timestamp(iso8601: "2026-11-23T09:12:00.000Z"), "80 %: 2 h on Friday, 1 h 12 min on Monday")
        world.clock = due
        let fired = try world.runNow(.tick, by: .system)
        #expect(slaEvents(fired) == ["warning:first_response", "breached:first_response"])
        #expect(fired.last?.payload == .slaBreached(target: .firstResponse, due: due))
    }

    @Test("queues without an SLA fire nothing")
    func noSLA() throws {
        var world = World()
        world.settings.backlogAfter = 100 * 86_400_000
        try world.run(p3(), by: requester)
        #expect(world.state.nextDeadline(settings: world.settings) == onlyBacklog(world))
    }

    /// The ticket's backlog deadline: what remains when it has no SLA moment.
    func onlyBacklog(_ world: World) -> Timestamp {
        world.ticket().updatedAt.adding(milliseconds: world.settings.backlogAfter)
    }
}
