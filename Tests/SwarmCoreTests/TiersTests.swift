import SwarmCore
import SwarmProtocol
import Testing

let tom = Principal(id: "tom", role: .agent)  // tier 1
let tess = Principal(id: "tess", role: .agent)  // tier 1
let tina = Principal(id: "tina", role: .expert)  // tier 2
let theo = Principal(id: "theo", role: .expert)  // tier 3

/// The escalations among `events`.
func escalations(_ events: [SwarmEvent]) -> [Escalation] {
    events.compactMap {
        if case .ticketEscalated(let escalation) = $0.payload { return escalation }
        return nil
    }
}

@Suite("Tiers: the classic pipeline beside swarming")
struct TiersTests {
    /// helpdesk is tiered, office hybrid, general swarms; tom and tess work tier 1, tina tier 2,
    /// theo tier 3; dana (network.dns 5) is online for swarms.
    func world() throws -> World {
        var world = World()
        try world.run(.configureQueue(queue: "helpdesk", mode: .tiered), by: .system)
        try world.run(.configureQueue(queue: "office", mode: .hybrid), by: .system)
        for (agent, tiers) in [("tom", [1]), ("tess", [1]), ("tina", [2]), ("theo", [3, 2])] {
            try world.run(.connected(agent: agent), by: .system)
            try world.run(.client(.tiersSet(TiersSet(agent: agent, tiers: tiers))), by: lead)
        }
        try world.run(.connected(agent: "dana"), by: .system)
        try world.run(.client(.skillsSet(SkillsSet(skills: ["network.dns": 5], agent: nil))), by: dana)
        return world
    }

    func openIn(_ queue: String, _ title: String = "DNS fails for the intranet", urgency: Level = .medium) -> Command {
        .client(
            .ticketOpen(
                TicketOpen(
                    title: title, description: "", category: .network, urgency: urgency, impact: .medium, queue: queue))
        )
    }

    @Test("a tiered ticket starts at tier 1 with one assignee, the least loaded, and invites nobody")
    func opensAtTierOne() throws {
        var world = try world()
        let opened = try world.run(openIn("helpdesk"), by: requester)
        #expect(opened.count == 1, "no invitations in a tiered queue")
        #expect(world.ticket().mode == .tiered)
        #expect(world.ticket().tier == 1)
        #expect(world.ticket().assignee == "tess")  // tess and tom have no tickets: alphabetical
        try world.run(openIn("helpdesk", "second"), by: requester)
        #expect(world.ticket("T-2").assignee == "tom")  // tess has one now
        #expect(world.state.agents["tess"]?.assigned == ["T-1"])
        // The assignee hears about their ticket.
        #expect(world.routes.last?.contains("agent:tom") == true)
    }

    @Test("left untouched at tier 1, a ticket escalates to tier 2 at its time limit, once, with a hand-off")
    func timeBasedEscalation() throws {
        var world = try world()
        world.settings.backlogAfter = 10 * 86_400_000  // out of the way: this test is about tiers
        try world.run(openIn("helpdesk"), by: requester)
        let opened = world.clock
        let deadline = opened.adding(milliseconds: 15 * 60_000)
        #expect(world.state.nextDeadline(settings: world.settings) == deadline)
        world.clock = deadline.adding(milliseconds: -1)
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        world.clock = deadline
        let fired = try world.runNow(.tick, by: .system)
        #expect(fired.map(\.actor) == [SwarmState.systemActor])
        #expect(
            escalations(fired) == [
                Escalation(from: 1, to: 2, auto: true, reason: "no resolution within 15m at tier 1", assignee: "theo")
            ])
        #expect(world.ticket().tier == 2)
        #expect(world.ticket().handoffs == 1)
        #expect(world.ticket().tierSince == deadline)
        #expect(world.state.agents["tess"]?.assigned == [])
        #expect(world.state.agents["theo"]?.assigned == ["T-1"])
        #expect(try world.runNow(.tick, by: .system).isEmpty)
        // Tier 2's limit (4 h) now counts from the escalation.
        #expect(world.state.nextDeadline(settings: world.settings) == deadline.adding(milliseconds: 4 * 3_600_000))
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("per-priority limits, and no clock while waiting on the requester or after resolution")
    func limits() throws {
        var world = try world()
        world.settings.queues["helpdesk"] = {
            var policy = QueuePolicy()
            policy.mode = .tiered
            policy.priorityLimits[.p1] = [1: 5 * 60_000]
            return policy
        }()
        try world.run(
            .client(
                .ticketOpen(
                    TicketOpen(
                        title: "Everything is down", description: "", category: .network, urgency: .high, impact: .high,
                        queue: "helpdesk"))), by: requester)
        #expect(world.ticket().priority == .p1)
        #expect(world.state.nextDeadline(settings: world.settings) == world.clock.adding(milliseconds: 5 * 60_000))
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: tess)
        try world.run(.client(.ticketStatus(StatusChange(ticket: "T-1", status: .waiting))), by: tess)
        #expect(world.state.nextDeadline(settings: world.settings) == nil)
        // Back from waiting, the tier's limit starts again: waiting was not the tier's time.
        world.clock = world.clock.adding(milliseconds: 3_600_000)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), by: tess)
        #expect(world.ticket().tierSince == world.clock)
        #expect(world.state.nextDeadline(settings: world.settings) == world.clock.adding(milliseconds: 5 * 60_000))
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "power back"))), by: tess)
        #expect(world.state.nextDeadline(settings: world.settings) == nil)
        #expect(world.state.agents["tess"]?.assigned == [])
    }

    @Test("ticket.escalate: to the next tier or a named one, tier 4 records the vendor; bad requests change nothing")
    func manualEscalation() throws {
        var world = try world()
        try world.run(openIn("helpdesk"), by: requester)
        let up = try world.run(
            .client(.ticketEscalate(TicketEscalate(ticket: "T-1", reason: "needs the DNS admins"))), by: tess)
        #expect(
            escalations(up) == [
                Escalation(from: 1, to: 2, auto: false, reason: "needs the DNS admins", assignee: "theo")
            ])
        for (request, kind) in [
            (TicketEscalate(ticket: "T-1", tier: 7, reason: "x"), DomainError.Kind.invalid),
            (TicketEscalate(ticket: "T-1", tier: 1, reason: "down"), .conflict),
            (TicketEscalate(ticket: "T-1", tier: 2, reason: "same"), .conflict),
            (TicketEscalate(ticket: "T-1", tier: 4, reason: "vendor"), .invalid),
            (TicketEscalate(ticket: "T-1", tier: 3, reason: "x", vendor: "Acme"), .invalid),
            (TicketEscalate(ticket: "T-1", reason: "   "), .invalid),
            (TicketEscalate(ticket: "T-9", reason: "x"), .notFound),
        ] {
            #expect(world.refuses(.client(.ticketEscalate(request)), by: tina, kind), "\(request)")
        }
        #expect(
            world.refuses(
                .client(.ticketEscalate(TicketEscalate(ticket: "T-1", reason: "x"))), by: requester, .forbidden))
        let vendor = try world.run(
            .client(
                .ticketEscalate(
                    TicketEscalate(ticket: "T-1", tier: 4, reason: "firmware bug", vendor: "Acme", vendorRef: "AC-991"))
            ),
            by: theo)
        #expect(escalations(vendor).first?.to == 4)
        // The previous assignee (theo) hears about the hand-off.
        #expect(world.routes.last?.contains("agent:theo") == true)
        #expect(world.ticket().vendor == "Acme")
        #expect(world.ticket().vendorRef == "AC-991")
        #expect(world.ticket().handoffs == 2)
        #expect(world.ticket().assignee == nil, "nobody works tier 4 here")
        #expect(
            world.refuses(.client(.ticketEscalate(TicketEscalate(ticket: "T-1", reason: "more"))), by: theo, .conflict))
        #expect(world.state.nextDeadline(settings: world.settings) != nil, "the backlog still runs")
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "patched"))), by: theo)
        try world.run(
            .client(.ticketStatus(StatusChange(ticket: "T-1", status: .closed))), by: requester)
        #expect(
            world.refuses(.client(.ticketEscalate(TicketEscalate(ticket: "T-1", reason: "again"))), by: theo, .conflict)
        )
    }

    @Test("time never hands a ticket to the vendor: tier 3 has no limit")
    func noTimedVendorHandOff() throws {
        var world = try world()
        world.settings.backlogAfter = 100 * 86_400_000
        try world.run(openIn("helpdesk"), by: requester)
        try world.run(
            .client(.ticketEscalate(TicketEscalate(ticket: "T-1", tier: 3, reason: "needs a specialist"))), by: tess)
        let backlog = world.ticket().updatedAt.adding(milliseconds: world.settings.backlogAfter)
        #expect(world.state.nextDeadline(settings: world.settings) == backlog, "only the backlog deadline is left")
    }

    @Test("a swarm queue does not escalate: ask for help instead")
    func swarmQueuesRefuse() throws {
        var world = try world()
        try world.run(openIn("general"), by: requester)
        #expect(world.ticket().tier == nil)
        #expect(world.refuses(.client(.ticketEscalate(TicketEscalate(ticket: "T-1", reason: "x"))), by: tom, .conflict))
    }

    @Test("hybrid: when tier 1's time runs out a swarm forms instead of a hand-off")
    func hybridFormsASwarm() throws {
        var world = try world()
        try world.run(openIn("office"), by: requester)
        #expect(world.ticket().mode == .hybrid)
        #expect(world.ticket().tier == 1)
        world.clock = world.clock.adding(milliseconds: 15 * 60_000)
        let fired = try world.runNow(.tick, by: .system)
        #expect(escalations(fired).map(\.swarm) == [true])
        #expect(escalations(fired).first?.to == nil)
        #expect(invited(fired).map(\.agent) == ["dana"])
        #expect(world.ticket().mode == .swarm)
        #expect(world.ticket().tier == nil)
        #expect(world.ticket().assignee == nil)
        #expect(world.ticket().handoffs == 0, "forming a swarm is not a hand-off")
        #expect(world.refuses(.client(.ticketEscalate(TicketEscalate(ticket: "T-1", reason: "x"))), by: tom, .conflict))
        // The same by hand, on another ticket; naming a tier or vendor there is a mistake.
        try world.run(openIn("office", "second"), by: requester)
        #expect(
            world.refuses(
                .client(.ticketEscalate(TicketEscalate(ticket: "T-2", tier: 2, reason: "x"))), by: tess, .invalid))
        let manual = try world.run(
            .client(.ticketEscalate(TicketEscalate(ticket: "T-2", reason: "needs DNS"))), by: tess)
        #expect(escalations(manual).first?.swarm == true)
        #expect(SwarmState.replaying(world.log) == world.state)
    }

    @Test("queue modes are events, from the hub only; the category picks a queue when none is given")
    func queueModesAndCategories() throws {
        var world = try world()
        #expect(world.state.queueModes == ["helpdesk": .tiered, "office": .hybrid])
        #expect(try world.run(.configureQueue(queue: "helpdesk", mode: .tiered), by: .system).isEmpty)
        #expect(world.refuses(.configureQueue(queue: "helpdesk", mode: .swarm), by: lead, .forbidden))
        #expect(world.refuses(.client(.tiersSet(TiersSet(agent: "tom", tiers: [2]))), by: tom, .forbidden))
        #expect(world.refuses(.client(.tiersSet(TiersSet(agent: "tom", tiers: [5]))), by: lead, .invalid))
        world.settings.categoryQueues[.network] = "helpdesk"
        try world.run(open("no queue named"), by: requester)
        #expect(world.ticket().queue == "helpdesk")
        #expect(world.ticket().tier == 1)
        // A mode change applies to new tickets only.
        try world.run(.configureQueue(queue: "helpdesk", mode: .swarm), by: .system)
        try world.run(open("after the change"), by: requester)
        #expect(world.ticket("T-2").mode == .swarm)
        #expect(world.ticket().mode == .tiered)
    }
}
