import SwarmCore
import SwarmProtocol
import Testing

@Suite("The deadline index")
struct DeadlineIndexTests {
    @Test("kept for the tickets each step touches, it always agrees with a scan of every ticket")
    func agreesWithScan() throws {
        var world = World()
        var index = DeadlineIndex(world.state, settings: world.settings)
        #expect(index.next == nil)
        func step(_ command: Command, by principal: Principal) throws {
            let events = try world.run(command, by: principal)
            index.update(events.compactMap(\.ticket), in: world.state, settings: world.settings)
            #expect(index.next == world.state.nextDeadline(settings: world.settings))
        }
        try world.run(.client(.skillsSet(SkillsSet(skills: ["network.vpn": 5], agent: nil))), by: bob)
        try step(openCommand(), by: requester)
        try step(openCommand(title: "DNS broken"), by: requester)
        #expect(index.count == 2)
        try step(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice)
        try step(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "fixed"))), by: alice)
        #expect(index.count == 1, "a resolved ticket has no deadline")
        world.clock = try #require(index.next)
        #expect(index.due(at: world.clock) == ["T-2"])
        let fired = try world.runNow(.tick, by: .system)
        #expect(!fired.isEmpty)
        index.update(fired.compactMap(\.ticket), in: world.state, settings: world.settings)
        #expect(index.next == world.state.nextDeadline(settings: world.settings))
        try step(.client(.ticketStatus(StatusChange(ticket: "T-2", status: .resolved, resolution: "done"))), by: alice)
        #expect(index.next == nil)
        #expect(index.count == 0)
    }

    @Test("built from a replayed state, it holds what an index kept step by step holds")
    func rebuilt() throws {
        var world = World()
        var kept = DeadlineIndex()
        for title in ["one", "two", "three"] {
            let events = try world.run(openCommand(title: title), by: requester)
            kept.update(events.compactMap(\.ticket), in: world.state, settings: world.settings)
        }
        var rebuilt = DeadlineIndex(SwarmState.replaying(world.log), settings: world.settings)
        #expect(rebuilt.next == kept.next)
        #expect(Set(rebuilt.due(at: .init(milliseconds: .max))) == ["T-1", "T-2", "T-3"])
    }
}
