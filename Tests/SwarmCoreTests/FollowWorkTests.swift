import SwarmCore
import SwarmProtocol
import Testing

/// Issue 27, item 3: the status follows the work, per queue (docs/tiers.md, "State that follows the work").
@Suite("State that follows the work")
struct FollowWorkTests {
    func statuses(_ events: [SwarmEvent]) -> [String] {
        events.compactMap {
            guard case .statusChanged(let from, let to, _) = $0.payload else { return nil }
            return "\($0.actor): \(from.rawValue)→\(to.rawValue)"
        }
    }

    @Test("the first join moves a new ticket in progress, owning nobody; a reopened one too; an internal note does not")
    func joinStartsWork() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let note = try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "looks like DNS", visibility: .internal))), by: bob)
        #expect(statuses(note).isEmpty && world.ticket().status == .new)
        let joined = try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice)
        #expect(statuses(joined) == ["swarmd: new→in_progress"])
        #expect(world.ticket().owners.isEmpty, "a look at a ticket binds nobody")
        // Leaving again is still allowed: nobody owns it.
        try world.run(.client(.swarmLeave(TicketRef(ticket: "T-1"))), by: alice)
        // A second join changes nothing more.
        #expect(statuses(try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: bob)).isEmpty)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "flushed"))), by: bob)
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .open))), by: requester)
        let answered = try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "On it again.", visibility: .public))), by: bob)
        #expect(statuses(answered) == ["swarmd: open→in_progress"])
    }

    @Test("a public question sets waiting, pausing the SLA clock; her answer moves it back")
    func questionAndAnswer() throws {
        var world = World()
        try world.run(openCommand(), by: requester)
        let asked = try world.run(
            .client(
                .commentAdd(
                    CommentAdd(ticket: "T-1", body: "Which VPN client version?", visibility: .public, waiting: true))),
            by: alice)
        #expect(statuses(asked) == ["swarmd: new→in_progress", "swarmd: in_progress→waiting"])
        #expect(world.ticket().slaSpans.last?.end != nil, "the SLA clock pauses while she is asked")
        // Her answer, through any path a requester comments by (the portal, mail).
        let answer = try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "4.2.1"))), by: requester)
        #expect(statuses(answer) == ["swarmd: waiting→in_progress"])
        #expect(world.ticket().slaSpans.last?.end == nil)
        // Asking needs a public reply by staff.
        #expect(
            world.refuses(
                .client(.commentAdd(CommentAdd(ticket: "T-1", body: "?", visibility: .internal, waiting: true))),
                by: alice, .invalid))
        #expect(
            world.refuses(
                .client(.commentAdd(CommentAdd(ticket: "T-1", body: "?", waiting: true))), by: requester, .invalid))
        // An explicit status change is left alone: nothing is added to it.
        let resolved = try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "updated"))), by: alice)
        #expect(statuses(resolved) == ["alice: in_progress→resolved"])
    }

    @Test("a queue with follow_work off keeps the status as people set it; an explicit question still waits")
    func queueOptsOut() throws {
        var world = World()
        var policy = QueuePolicy()
        policy.followWork = false
        world.settings.queues["general"] = policy
        try world.run(openCommand(), by: requester)
        #expect(statuses(try world.run(.client(.swarmJoin(TicketRef(ticket: "T-1"))), by: alice)).isEmpty)
        let asked = try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "Which one?", visibility: .public, waiting: true))),
            by: alice)
        #expect(statuses(asked) == ["swarmd: new→in_progress", "swarmd: in_progress→waiting"])
        let answer = try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "The new one."))), by: requester)
        #expect(statuses(answer).isEmpty && world.ticket().status == .waiting)
        #expect(SwarmState.replaying(world.log) == world.state)
    }
}
