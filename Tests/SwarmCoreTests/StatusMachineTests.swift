import SwarmCore
import SwarmProtocol
import Testing

@Suite("Status machine")
struct StatusMachineTests {
    /// Puts T-1 into `status` through allowed transitions, with alice as owner.
    static func world(in status: TicketStatus) throws -> World {
        var world = World()
        try world.run(openCommand(), by: requester)
        let path: [TicketStatus] =
            switch status {
            case .new: []
            case .open: [.open]
            case .inProgress: [.inProgress]
            case .waiting: [.inProgress, .waiting]
            case .resolved: [.inProgress, .resolved]
            case .closed: [.inProgress, .resolved, .closed]
            }
        for step in path {
            try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: step))), by: alice)
        }
        #expect(world.ticket().status == status)
        return world
    }

    static let allPairs = TicketStatus.allCases.flatMap { from in TicketStatus.allCases.map { (from, $0) } }

    @Test("every transition is allowed exactly when the table says so", arguments: allPairs)
    func transition(from: TicketStatus, to: TicketStatus) throws {
        var world = try Self.world(in: from)
        let allowed = from.allowedNext.contains(to)
        let before = world.state
        do {
            let events = try world.run(
                .client(.ticketStatus(StatusChange(ticket: "T-1", status: to, resolution: "fixed"))), by: alice)
            #expect(allowed, "\(from) → \(to) should be refused")
            #expect(events.last?.payload == .statusChanged(from: from, to: to, resolution: "fixed"))
            #expect(world.ticket().status == to)
        } catch {
            #expect(!allowed, "\(from) → \(to) should be allowed, got \(error)")
            #expect(error.kind == .conflict)
            #expect(world.state == before)
        }
    }

    @Test func theTableIsTheDocumentedOne() {
        #expect(TicketStatus.new.allowedNext == [.open, .inProgress, .resolved])
        #expect(TicketStatus.open.allowedNext == [.inProgress, .waiting, .resolved])
        #expect(TicketStatus.inProgress.allowedNext == [.waiting, .resolved, .open])
        #expect(TicketStatus.waiting.allowedNext == [.inProgress, .resolved])
        #expect(TicketStatus.resolved.allowedNext == [.closed, .open])
        #expect(TicketStatus.closed.allowedNext == [.open])
    }

    @Test func reopeningCountsAndClearsTheResolution() throws {
        var world = try Self.world(in: .resolved)
        #expect(world.ticket().resolvedAt != nil)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester)
        #expect(world.ticket().reopenCount == 1)
        #expect(world.ticket().resolution == nil)
        #expect(world.ticket().resolvedAt == nil)
    }

    @Test func startingWorkOnAnUnownedTicketMakesTheStarterOwner() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let events = try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: bob)
        #expect(events.map(\.type) == [.swarmJoined, .ownerAdded, .statusChanged])
        #expect(world.ticket().owners == ["bob"])
        #expect(world.ticket().members == ["bob"])
    }

    @Test func closedTicketsRefuseWorkUntilReopened() throws {
        var world = try Self.world(in: .closed)
        #expect(world.refuses(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "hi"))), by: alice, .conflict))
        #expect(world.refuses(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: bob, .conflict))
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: alice)
        try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "back again"))), by: alice)
        #expect(world.ticket().comments.count == 1)
    }
}
