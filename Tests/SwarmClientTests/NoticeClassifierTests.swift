import Foundation
import SwarmProtocol
import Synchronization
import Testing

@testable import SwarmClient

/// Which events are whose notices, without a hub: the classifier's rules and the tracker around it.
@Suite("notices: the classifier and the tracker")
struct NoticeClassifierTests {
    static let now = Timestamp(milliseconds: 1_800_000_000_000)

    static func event(_ payload: EventPayload, by actor: String, ticket: String? = "T-42") -> SwarmEvent {
        SwarmEvent(ticket: ticket, actor: actor, at: now, payload: payload)
    }

    static func ticket(
        requester: String = "rita", members: [String] = [], owners: [String] = [], assignee: String? = nil
    ) -> Ticket {
        var ticket = Ticket(
            id: "T-42", title: "VPN drops every hour", description: "", requester: requester, category: .network,
            urgency: .high, impact: .medium, queue: "general", skills: [], openedAt: now)
        ticket.members = members
        ticket.owners = owners
        ticket.assignee = assignee
        return ticket
    }

    static func classify(_ event: SwarmEvent, me: String = "bob", facts: TicketFacts? = nil) -> Notice? {
        NoticeClassifier.classify(event, seq: 7, me: me, ticket: facts, now: now)
    }

    static let facts = TicketFacts(ticket(members: ["alice", "bob"], owners: ["bob"]))

    @Test("an invitation naming me, while it runs, is an invite; one to someone else, run out, or my own is none")
    func invitations() throws {
        let expires = Self.now.adding(milliseconds: 600_000)
        let invited = EventPayload.expertInvited(
            agent: "bob", score: 87, origin: .opened, expires: expires, reasons: [])
        let notice = try #require(Self.classify(Self.event(invited, by: "swarmd")))
        #expect(notice.kind == .invite)
        #expect(notice.title == "invitation: T-42")
        #expect(notice.body == "you are invited (score 87), answer in 10m")
        #expect(notice.line == "🔔 invitation: T-42 — you are invited (score 87), answer in 10m  #7")
        // With the ticket known, its title too; a person's invitation names them.
        let asked = EventPayload.expertInvited(agent: "bob", score: 20, origin: .help, expires: expires, reasons: [])
        #expect(
            Self.classify(Self.event(asked, by: "alice"), facts: Self.facts)?.body
                == #"alice invited you to help (score 20), answer in 10m: "VPN drops every hour""#)
        #expect(Self.classify(Self.event(invited, by: "swarmd"), me: "dana") == nil, "someone else's")
        let ranOut = EventPayload.expertInvited(
            agent: "bob", score: 87, origin: .opened, expires: Self.now.adding(milliseconds: -1), reasons: [])
        #expect(Self.classify(Self.event(ranOut, by: "swarmd")) == nil, "run out while away")
        #expect(Self.classify(Self.event(invited, by: "bob")) == nil, "my own action")
    }

    @Test("made an owner by someone else, or assigned by an escalation or a tiered queue, is assign")
    func assignments() throws {
        let owner = try #require(Self.classify(Self.event(.ownerAdded(agent: "bob"), by: "alice")))
        #expect(owner.kind == .assign)
        #expect(owner.body == "alice made you an owner")
        #expect(Self.classify(Self.event(.ownerAdded(agent: "bob"), by: "bob")) == nil, "I took it myself")
        #expect(Self.classify(Self.event(.ownerAdded(agent: "alice"), by: "bob")) == nil, "someone else's")

        let escalated = Escalation(from: 1, to: 2, auto: true, reason: "time limit", assignee: "bob")
        let up = try #require(Self.classify(Self.event(.ticketEscalated(escalated), by: "swarmd"), facts: Self.facts))
        #expect(up.kind == .assign)
        #expect(up.body == #"the time limit escalated it to tier 2 and assigned you: "VPN drops every hour""#)
        let other = Escalation(from: 1, to: 2, auto: false, reason: "needs AD", assignee: "dana")
        #expect(Self.classify(Self.event(.ticketEscalated(other), by: "alice")) == nil)

        let opened = Self.ticket(assignee: "bob")
        let tiered = try #require(Self.classify(Self.event(.ticketOpened(opened), by: "rita")))
        #expect(tiered.kind == .assign)
        #expect(tiered.body == #"rita opened it (P2), assigned to you: "VPN drops every hour""#)
        #expect(Self.classify(Self.event(.ticketOpened(Self.ticket()), by: "rita")) == nil, "nobody assigned")
    }

    @Test("an SLA warning or breach is sla on a ticket I own or am assigned, not on one I only swarm")
    func sla() throws {
        let due = Self.now.adding(milliseconds: 180_000)
        let warning = Self.event(.slaWarning(target: .firstResponse, due: due), by: "swarmd")
        let notice = try #require(Self.classify(warning, facts: Self.facts))
        #expect(notice.kind == .sla)
        #expect(notice.title == "SLA warning: T-42")
        #expect(notice.body == #"first response due in 3m: "VPN drops every hour""#)
        let breached = Self.event(.slaBreached(target: .resolution, due: Self.now), by: "swarmd")
        #expect(Self.classify(breached, facts: Self.facts)?.title == "SLA breached: T-42")
        #expect(Self.classify(warning, me: "alice", facts: Self.facts) == nil, "alice swarms, does not own")
        #expect(Self.classify(warning, facts: nil) == nil, "who owns it is unknown")
        let assigned = TicketFacts(Self.ticket(assignee: "bob"))
        #expect(Self.classify(breached, facts: assigned)?.kind == .sla, "the assignee at the tier carries it")
    }

    @Test("a comment by the requester on a ticket I swarm is an answer; a colleague's note or another ticket is none")
    func answers() throws {
        let said = Comment(number: 3, author: "rita", body: "Still\ndropping", at: Self.now, visibility: .public)
        let answer = try #require(Self.classify(Self.event(.commentAdded(said), by: "rita"), facts: Self.facts))
        #expect(answer.kind == .answer)
        #expect(answer.body == #"rita: "Still ⏎ dropping""#)
        #expect(Self.classify(Self.event(.commentAdded(said), by: "rita"), me: "alice", facts: Self.facts) != nil)
        let note = Comment(number: 4, author: "alice", body: "MTU?", at: Self.now)
        #expect(Self.classify(Self.event(.commentAdded(note), by: "alice"), facts: Self.facts) == nil, "a colleague")
        #expect(Self.classify(Self.event(.commentAdded(said), by: "rita"), me: "dana", facts: Self.facts) == nil)
        #expect(Self.classify(Self.event(.commentAdded(said), by: "rita"), facts: nil) == nil)
        // The requester herself hears nothing of her own comment; a requester's comments on a ticket
        // a staff member opened for herself (requester == me) are mine.
        #expect(Self.classify(Self.event(.commentAdded(said), by: "rita"), me: "rita", facts: Self.facts) == nil)
    }

    @Test("other events, events of no ticket and my own actions are never notices")
    func nothingElse() {
        let me = "bob"
        let quiet: [SwarmEvent] = [
            Self.event(.swarmJoined(agent: "bob"), by: "alice"),
            Self.event(.statusChanged(from: .open, to: .resolved, resolution: "done"), by: "alice"),
            Self.event(.presenceChanged(agent: "bob", status: .available, auto: true), by: "bob", ticket: nil),
            Self.event(.ownerAdded(agent: "bob"), by: "bob"),
            Self.event(.commentAdded(Comment(number: 1, author: "bob", body: "x", at: Self.now)), by: "bob"),
        ]
        for event in quiet { #expect(Self.classify(event, me: me, facts: Self.facts) == nil, "\(event.type)") }
    }

    @Test("the tracker stays quiet through the opening replay, learns tickets it needs once, and keeps their facts")
    func tracker() async throws {
        var tracker = NoticeTracker(kinds: Set(Notice.Kind.allCases))
        let said = Comment(number: 1, author: "rita", body: "any news?", at: Self.now, visibility: .public)
        func frame(_ seq: Int64, _ event: SwarmEvent) -> EventFrame {
            EventFrame(seq: seq, channel: "agent:bob", event: event)
        }
        // Before the feed started, and during its replay: nothing.
        #expect(tracker.step(frame(1, Self.event(.commentAdded(said), by: "rita")), now: Self.now) == .none)
        tracker.start(me: "bob", liveAfter: 10)
        #expect(tracker.step(frame(9, Self.event(.ownerAdded(agent: "bob"), by: "alice")), now: Self.now) == .none)
        // A requester's comment on an unknown ticket: learn it first, once.
        let lookups = Mutex(0)
        let known = Self.ticket(members: ["bob"])
        let lookup: @Sendable (String) async -> Ticket? = { id in
            lookups.withLock { $0 += 1 }
            return id == "T-42" ? known : nil
        }
        #expect(
            tracker.step(frame(11, Self.event(.commentAdded(said), by: "rita")), now: Self.now) == .needTicket("T-42"))
        let first = await tracker.notice(
            for: frame(11, Self.event(.commentAdded(said), by: "rita")), now: Self.now, lookup: lookup)
        #expect(first?.kind == .answer)
        #expect(first?.body == #"rita: "any news?""#)
        _ = await tracker.notice(
            for: frame(12, Self.event(.commentAdded(said), by: "rita")), now: Self.now, lookup: lookup)
        #expect(lookups.withLock { $0 } == 1, "the ticket is remembered")
        // Bob becomes an owner (a notice), so the SLA warning that follows is his.
        let owner = await tracker.notice(
            for: frame(13, Self.event(.ownerAdded(agent: "bob"), by: "alice")), now: Self.now, lookup: lookup)
        #expect(owner?.kind == .assign)
        let warning = Self.event(.slaWarning(target: .resolution, due: Self.now), by: "swarmd")
        #expect(await tracker.notice(for: frame(14, warning), now: Self.now, lookup: lookup)?.kind == .sla)
        // He leaves the swarm: no more answers for him.
        _ = await tracker.notice(
            for: frame(15, Self.event(.swarmLeft(agent: "bob"), by: "bob")), now: Self.now, lookup: lookup)
        #expect(
            await tracker.notice(
                for: frame(16, Self.event(.commentAdded(said), by: "rita")), now: Self.now, lookup: lookup) == nil)
        #expect(lookups.withLock { $0 } == 1)

        // Kinds not chosen are not rung, nor fetched for; an invitation rings even when its ticket
        // cannot be fetched.
        var picky = NoticeTracker(me: "bob", kinds: [.invite])
        picky.start(me: "bob", liveAfter: 0)
        let other = Self.event(.commentAdded(said), by: "rita", ticket: "T-7")
        #expect(picky.step(frame(1, other), now: Self.now) == .none)
        let invited = EventPayload.expertInvited(
            agent: "bob", score: 5, origin: .opened, expires: Self.now.adding(milliseconds: 60_000), reasons: [])
        let invite = await picky.notice(
            for: frame(2, Self.event(invited, by: "swarmd", ticket: "T-7")), now: Self.now, lookup: lookup)
        #expect(invite?.kind == .invite)
        #expect(invite?.body == "you are invited (score 5), answer in 1m")
    }

    @Test("the tracker forgets the oldest tickets past its capacity")
    func trackerCapacity() {
        var tracker = NoticeTracker(me: "bob", capacity: 2)
        for id in ["T-1", "T-2", "T-3"] {
            var ticket = Self.ticket()
            ticket.id = id
            tracker.learn(ticket)
        }
        #expect(tracker.tickets.keys.sorted() == ["T-2", "T-3"])
    }
}
