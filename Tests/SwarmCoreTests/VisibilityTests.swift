import Foundation
import SwarmCore
import SwarmProtocol
import Testing

/// `Policy.view`: the one rule of what a requester sees (invariant 6), as pure functions.
@Suite("Visibility of comments and events")
struct VisibilityTests {
    /// A world where rita's ticket got, in order: alice's internal note, alice's public reply,
    /// rita's answer, bob's internal note, bob's public reply.
    func talkedAbout() throws -> (World, [SwarmEvent]) {
        var world = World()
        var events = try world.run(openCommand(), by: requester)
        events += try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "she broke it again"))), by: alice)
        events += try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "On it.", visibility: .public))), by: alice)
        events += try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "thanks"))), by: requester)
        events += try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "MTU?", visibility: .internal))), by: bob)
        events += try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "Fixed.", visibility: .public))), by: bob)
        return (world, events)
    }

    @Test("staff default to internal notes, requesters always reply publicly; public replies count apart")
    func defaultsAndNumbers() throws {
        let (world, _) = try talkedAbout()
        let comments = world.ticket().comments
        #expect(comments.map(\.number) == [1, 2, 3, 4, 5])
        #expect(comments.map(\.visibility) == [.internal, .public, .public, .internal, .public])
        #expect(comments.map(\.replyNumber) == [nil, 1, 2, nil, 3])
        #expect(
            world.refuses(
                .client(.commentAdd(CommentAdd(ticket: "T-1", body: "x", visibility: .internal))), by: requester,
                .forbidden))
    }

    @Test("a requester's view of the ticket: public replies only, renumbered, no invitations")
    func ticketView() throws {
        let (world, _) = try talkedAbout()
        let shown = Policy.view(of: world.ticket(), for: Audience(requester))
        #expect(shown.comments.map(\.body) == ["On it.", "thanks", "Fixed."])
        #expect(shown.comments.map(\.number) == [1, 2, 3])
        #expect(shown.comments.allSatisfy { $0.replyNumber == nil && $0.visibility == .public })
        #expect(shown.invitations.isEmpty)
        #expect(Policy.view(of: world.ticket(), for: Audience(alice)) == world.ticket(), "staff see it whole")
    }

    @Test("a requester's ticket carries nothing that follows from events she may not see")
    func ticketFieldsFromHiddenEvents() throws {
        var world = World()
        _ = try world.run(openCommand(), by: requester)
        _ = try world.run(
            .client(.commentAdd(CommentAdd(ticket: "T-1", body: "On it.", visibility: .public))), by: alice)
        let replied = world.clock
        _ = try world.run(.client(.workLog(WorkLog(ticket: "T-1", minutes: 45, note: "traced it"))), by: alice)
        _ = try world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "she broke it again"))), by: alice)
        var staff = world.ticket()
        #expect(staff.effortMinutes == 45 && staff.updatedAt > replied, "staff see the work")
        // Fields an escalation or the SLA timer would set (tiered queues, tested in TiersTests).
        staff.tier = 4
        staff.vendor = "ACME"
        staff.vendorRef = "V-9"
        staff.handoffs = 3
        staff.slaFired = ["resolution:warning"]
        let shown = Policy.view(of: staff, for: Audience(requester))
        #expect(shown.effortMinutes == 0)
        #expect(shown.tier == nil && shown.vendor == nil && shown.vendorRef == nil && shown.handoffs == 0)
        #expect(shown.slaFired.isEmpty && shown.slaSpans == staff.slaSpans && shown.stalledSince == nil)
        #expect(shown.updatedAt == replied, "her updatedAt is the public reply's time, not the internal note's")
        #expect(shown.firstResponseAt == replied)
        #expect(shown.publicUpdatedAt == nil && shown.publicFirstResponseAt == nil)
    }

    @Test("her personal channel carries other tickets' events when the name swarmed once: she sees none of them")
    func otherTicketsOnHerChannel() throws {
        var world = World()
        _ = try world.run(openCommand(), by: otherRequester)
        let bobAsRequester = Principal(id: "bob", role: .requester)
        let events =
            try world.run(
                .client(.commentAdd(CommentAdd(ticket: "T-1", body: "mine, once", visibility: .internal))), by: bob)
            + world.run(.client(.commentAdd(CommentAdd(ticket: "T-1", body: "public", visibility: .public))), by: alice)
            + world.run(
                .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "done"))), by: alice)
        for event in events {
            #expect(Policy.view(of: event, for: Audience(bobAsRequester), in: world.state) == .hidden, "\(event.type)")
        }
        // The ticket's own requester sees its public side, as before.
        // (Alice's public reply moved it in progress: the queue follows the work.)
        let seen = events.filter { Policy.view(of: $0, for: Audience(otherRequester), in: world.state) != .hidden }
        #expect(seen.map(\.type) == [.commentAdded, .statusChanged, .statusChanged])
    }

    @Test("a requester's view of events: internal notes and the swarm's working events left out")
    func eventView() throws {
        let (world, events) = try talkedAbout()
        let shown = events.compactMap { Policy.visible($0, for: Audience(requester), in: world.state) }
        // The first public reply moved the ticket in progress; she sees that too.
        #expect(shown.map(\.type) == [.ticketOpened, .commentAdded, .statusChanged, .commentAdded, .commentAdded])
        let numbers = shown.compactMap { event -> Int? in
            guard case .commentAdded(let comment) = event.payload else { return nil }
            return comment.number
        }
        #expect(numbers == [1, 2, 3])
        let at = Timestamp(milliseconds: 0)
        let internalKinds: [EventPayload] = [
            .helpRequested(agent: "alice", skills: ["network.vpn"], note: "x"),
            .workLogged(agent: "alice", minutes: 5, note: "x"),
            .expertInvited(agent: "bob", score: 3, origin: .help, expires: at, reasons: []),
            .inviteAnswered(agent: "bob", accept: true, expired: false),
            .ticketStalled(since: at), .slaWarning(target: .resolution, due: at),
            .slaBreached(target: .resolution, due: at),
            .mailBounced(address: "rita@example.com", status: "5.1.1", diagnostic: "User unknown"),
        ]
        for payload in internalKinds {
            let event = SwarmEvent(ticket: "T-1", actor: "alice", at: at, payload: payload)
            #expect(Policy.view(of: event, for: Audience(requester), in: world.state) == .hidden, "\(payload.type)")
            #expect(Policy.view(of: event, for: Audience(alice), in: world.state) == .whole)
        }
        for payload: EventPayload in [
            .swarmJoined(agent: "alice"), .statusChanged(from: .new, to: .open, resolution: nil),
            .kbApplied(article: "KB-1", deflected: true),
        ] {
            let event = SwarmEvent(ticket: "T-1", actor: "alice", at: at, payload: payload)
            #expect(Policy.view(of: event, for: Audience(requester), in: world.state) == .whole, "\(payload.type)")
        }
    }

    @Test("a comment from a log older than visibilities reads as internal, yet its requester still sees hers")
    func oldLog() throws {
        var world = World()
        _ = try world.run(openCommand(), by: requester)
        let json = #"{"number":1,"author":"rita","body":"hello","at":"2026-11-23T09:00:00.000Z"}"#
        let comment = try JSONDecoder().decode(SwarmProtocol.Comment.self, from: Data(json.utf8))
        #expect(comment.visibility == .internal)
        let event = SwarmEvent(ticket: "T-1", actor: "rita", at: comment.at, payload: .commentAdded(comment))
        #expect(Policy.visible(event, for: Audience(requester), in: world.state) != nil)
        var other = comment
        other.author = "alice"
        let note = SwarmEvent(ticket: "T-1", actor: "alice", at: comment.at, payload: .commentAdded(other))
        #expect(Policy.view(of: note, for: Audience(requester), in: world.state) == .hidden)
    }

    @Test("the hub's note to staff: internal, by swarmd, never hers, neither progress nor a first response")
    func systemNote() throws {
        var world = World()
        _ = try world.run(openCommand(), by: requester)
        let opened = world.ticket()
        let long = "- big.iso (31457280 bytes): over the limit\n" + String(repeating: "x", count: 20_000)
        let events = try world.run(.systemNote(ticket: "T-1", body: long), by: .system)
        guard case .commentAdded(let note)? = events.first?.payload, events.count == 1 else {
            Issue.record("expected one comment.added: \(events)")
            return
        }
        #expect(note.visibility == .internal && note.author == SwarmState.systemActor && note.replyNumber == nil)
        #expect(Limits.commentLength.contains(note.body.count), "cut to fit, not refused")
        #expect(Policy.view(of: events[0], for: Audience(requester), in: world.state) == .hidden)
        #expect(Policy.view(of: world.ticket(), for: Audience(requester)).comments.isEmpty)
        #expect(world.ticket().firstResponseAt == nil && world.ticket().updatedAt == opened.updatedAt)
        #expect(world.ticket().status == opened.status, "no work follows from it")
        // Only the hub issues it, and only it.
        #expect(world.refuses(.systemNote(ticket: "T-1", body: "x"), by: alice, .forbidden))
        #expect(world.refuses(.systemNote(ticket: "T-1", body: "x"), by: requester, .forbidden))
        #expect(world.refuses(.systemNote(ticket: "T-9", body: "x"), by: .system, .notFound))
    }
}
