import SwarmCore
import SwarmProtocol
import Testing

@Suite("Swarms, owners and comments")
struct SwarmRulesTests {
    func opened() throws -> World {
        var world = World()
        try world.run(openCommand(), by: requester)
        return world
    }

    @Test func openingAssignsSequentialIdsAndDerivesPriority() throws {
        var world = try opened()
        try world.run(openCommand(title: "  Printer jams  ", queue: "hardware"), by: alice)
        let second = world.ticket("T-2")
        #expect(second.title == "Printer jams")
        #expect(second.queue == "hardware")
        #expect(second.priority == .p2)
        #expect(second.status == .new)
        #expect(world.ticket("T-1").queue == "general")
        #expect(world.state.ticketCount == 2)
    }

    @Test func joinAndLeave() throws {
        var world = try opened()
        try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice)
        try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: bob)
        #expect(world.ticket().members == ["alice", "bob"])
        #expect(world.refuses(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice, .conflict))
        try world.run(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: alice)
        #expect(world.ticket().members == ["bob"])
        #expect(world.refuses(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: alice, .conflict))
    }

    @Test func ownersAreMembersAndOnlyOwnersChangeOwners() throws {
        var world = try opened()
        // Nobody owns it yet: any agent may name the first owner, who joins the swarm.
        let events = try world.run(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "bob"))), by: alice)
        // Bob joining is the work starting: the new ticket moves in progress (by the hub).
        #expect(events.map(\.type) == [.swarmJoined, .ownerAdded, .statusChanged])
        #expect(events.last?.actor == "swarmd" && world.ticket().status == .inProgress)
        #expect(world.ticket().owners == ["bob"])
        #expect(world.refuses(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "carol"))), by: alice, .forbidden))
        try world.run(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "carol"))), by: bob)
        #expect(world.ticket().owners == ["bob", "carol"])
        #expect(world.refuses(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "carol"))), by: bob, .conflict))
        // A lead may always change owners.
        try world.run(.client(.ownerRemove(OwnerChange(ticket: "T-1", agent: "bob"))), by: lead)
        #expect(world.ticket().owners == ["carol"])
        #expect(world.ticket().members == ["bob", "carol"])
    }

    @Test func aTicketInProgressNeverLosesItsLastOwner() throws {
        var world = try opened()
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: alice)
        #expect(world.refuses(.client(.ownerRemove(OwnerChange(ticket: "T-1", agent: "alice"))), by: alice, .conflict))
        #expect(world.refuses(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: alice, .conflict))
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .waiting))), by: alice)
        #expect(world.refuses(.client(.ownerRemove(OwnerChange(ticket: "T-1", agent: "alice"))), by: alice, .conflict))
        try world.run(.client(.ownerAdd(OwnerChange(ticket: "T-1", agent: "bob"))), by: alice)
        try world.run(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: alice)
        #expect(world.ticket().owners == ["bob"])
        #expect(!world.ticket().members.contains("alice"))
        // Once resolved, the last owner may step down.
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "rebooted"))), by: bob)
        try world.run(.client(.ownerRemove(OwnerChange(ticket: "T-1", agent: "bob"))), by: bob)
        #expect(world.ticket().owners.isEmpty)
    }

    @Test func commentsAreNumberedAndValidated() throws {
        var world = try opened()
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "looking"))), by: alice)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "found it"))), by: bob)
        #expect(world.ticket().comments.map(\.number) == [1, 2])
        #expect(world.ticket().comments.map(\.author) == ["alice", "bob"])
        #expect(world.refuses(.client(.commentAdd(CommentAdd(ticket: "T-1", body: ""))), by: alice, .invalid))
        #expect(
            world.refuses(
                .client(.commentAdd(CommentAdd(ticket: "T-1", body: String(repeating: "x", count: 10_001)))), by: alice,
                .invalid))
    }

    @Test(
        "invalid ticket fields are refused",
        arguments: [
            openCommand(title: ""), openCommand(title: "   "), openCommand(title: String(repeating: "t", count: 201)),
            openCommand(queue: "Bad Queue"), openCommand(queue: ""), openCommand(skills: ["Network.DNS"]),
            openCommand(skills: ["network..dns"]), openCommand(skills: Array(repeating: "a", count: 21)),
        ])
    func invalidOpen(command: Command) {
        #expect(World().refuses(command, by: alice, .invalid))
    }

    @Test func unknownTicketsAreNotFound() {
        let world = World()
        for command: Command in [
            .client(.swarmJoin(TicketRef(ticket: "T-9"))), .client(.swarmLeave(TicketRef(ticket: "T-9"))),
            .client(.commentAdd(CommentAdd(ticket: "T-9", body: "x"))),
            .client(.ownerAdd(OwnerChange(ticket: "T-9", agent: "bob"))),
            .client(.ownerRemove(OwnerChange(ticket: "T-9", agent: "bob"))),
            .client(.ticketStatus(StatusChange(ticket: "T-9", status: .open))),
        ] {
            #expect(world.refuses(command, by: alice, .notFound))
        }
    }
}
