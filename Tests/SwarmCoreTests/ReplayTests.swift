import Foundation
import SwarmCore
import SwarmProtocol
import Testing

@Suite("Replay and routing")
struct ReplayTests {
    func busyWorld() throws -> World {
        var world = World()
        try world.run(openCommand(), by: requester)
        try world.run(openCommand(title: "Outlook crashes", queue: "office", skills: ["office.outlook"]), by: alice)
        try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice)
        try world.run(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "bob"))), by: alice)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "DNS timeouts in the logs"))), by: bob)
        // Alice's join moved T-1 in progress (the queue follows the work).
        #expect(world.state.tickets["T-1"]?.status == .inProgress)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "new resolver"))), by: bob)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester)
        try world.run(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: alice)
        return world
    }

    @Test("replaying the log from empty rebuilds exactly the state (invariant 4)")
    func replayRebuildsState() throws {
        let world = try busyWorld()
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("events survive a JSON round trip unchanged, so the stored log replays to the same state")
    func jsonRoundTrip() throws {
        let world = try busyWorld()
        let encoder = SwarmJSON.encoder()
        let decoded = try world.log.map { try JSONDecoder().decode(SwarmEvent.self, from: encoder.encode($0)) }
        #expect(decoded == world.log)
        #expect(SwarmState.replaying(decoded) == world.state)
    }

    @Test func eventsAreRoutedToTicketQueueAndPeople() throws {
        var world = try busyWorld()
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "still there"))), by: bob)
        // T-1 ("VPN drops every hour", category network) needs network.vpn, inferred from its text.
        #expect(
            world.routes.last == [
                "ticket:T-1", "queue:general", "agent:rita", "agent:bob", "skill:network.vpn", "skill:network.vpn.*",
                "skill:network.*",
            ])
        try world.run(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: bob)
        // Whoever leaves still hears about their leaving.
        #expect(world.routes.last?.contains("agent:bob") == true)
    }

    @Test func theWireFormOfAnEventIsFlat() throws {
        let event = SwarmEvent(ticket: "T-1", actor: "alice", at: t0, payload: .swarmJoined(agent: "alice"))
        let text = try SwarmJSON.string(event)
        #expect(
            text
                == #"{"actor":"alice","agent":"alice","at":"2023-11-14T22:13:20.000Z","ticket":"T-1","type":"swarm.joined"}"#
        )
    }
}
