import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator
import Testing

@Suite("Simulator: hand-checked scenarios")
struct SimulatorScenarioTests {
    let nine = day0.adding(milliseconds: minutes(9 * 60))

    @Test("swarm: one fully skilled expert resolves 30 minutes of work 30 minutes after accepting")
    func oneExpert() throws {
        let staff = [StaffMember(id: "vic", role: .expert, skills: ["network.vpn": 5], shift: .always)]
        let (events, summary) = simulate(oneTicket(skills: ["network.vpn"], effort: 30), staff: staff, mode: .swarm) {
            $0.answerDelay = 2...2
        }
        #expect(summary.refused == 0)
        #expect(summary.resolved == 1)
        let ticket = events.of("T-1")
        let invited = try #require(ticket.first { $0.type == .expertInvited })
        #expect(invited.at == nine)
        let accepted = try #require(ticket.first { $0.type == .inviteAnswered })
        #expect(accepted.at == nine.adding(milliseconds: minutes(2)))
        #expect(accepted.actor == "vic")
        #expect(events.resolvedAt("T-1") == nine.adding(milliseconds: minutes(32)))
        let logged = ticket.compactMap { event -> Int? in
            if case .workLogged("vic", let minutes, _) = event.payload { return minutes }
            return nil
        }
        #expect(logged == [30])
        // The first response is vic's comment when starting.
        let comment = try #require(ticket.first { $0.type == .commentAdded })
        #expect(comment.actor == "vic" && comment.at == accepted.at)
    }

    @Test("tiered: a skilled tier-1 assignee resolves at once, first contact, no hand-off")
    func tieredFirstContact() throws {
        let staff = [StaffMember(id: "vic", tiers: [1], skills: ["network.vpn": 5], shift: .always)]
        let (events, summary) = simulate(oneTicket(skills: ["network.vpn"], effort: 30), staff: staff, mode: .tiered)
        #expect(summary.refused == 0)
        let opened = try #require(events.first { $0.type == .ticketOpened })
        guard case .ticketOpened(let ticket) = opened.payload else { return }
        #expect(ticket.assignee == "vic" && ticket.tier == 1 && ticket.mode == .tiered)
        #expect(events.resolvedAt("T-1") == nine.adding(milliseconds: minutes(30)))
        var collector = MetricsCollector()
        collector.add(events)
        let report = collector.report(MetricsQuery(mode: .tiered))
        let tiered = try #require(report[.tiered])
        #expect(tiered.resolved == 1 && tiered.handoffs == 0 && tiered.firstContactResolutionRate == 1)
    }

    /// Tier 1 lacks DNS; tier 2 has it.
    let ladder = [
        StaffMember(id: "tom", tiers: [1], skills: ["office": 3], shift: .always),
        StaffMember(id: "tia", tiers: [2], skills: ["network.dns": 5], shift: .always),
    ]

    @Test("tiered: tier 1 lacks the skill, diagnoses 10 minutes, hands off; tier 2 re-reads 15 and works 30")
    func tieredHandOff() throws {
        let (events, summary) = simulate(oneTicket(skills: ["network.dns"], effort: 30), staff: ladder, mode: .tiered)
        #expect(summary.refused == 0)
        let escalated = try #require(events.first { $0.type == .ticketEscalated })
        guard case .ticketEscalated(let escalation) = escalated.payload else { return }
        #expect(escalated.at == nine.adding(milliseconds: minutes(10)))
        #expect(escalated.actor == "tom")
        #expect(escalation.from == 1 && escalation.to == 2 && escalation.assignee == "tia" && !escalation.auto)
        #expect(events.resolvedAt("T-1") == nine.adding(milliseconds: minutes(10 + 15 + 30)))
        let logged = events.compactMap { event -> String? in
            if case .workLogged(let agent, let minutes, _) = event.payload { return "\(agent) \(minutes)" }
            return nil
        }
        #expect(logged == ["tom 10", "tia 45"])
        var collector = MetricsCollector()
        collector.add(events)
        let tiered = try #require(collector.report()[.tiered])
        #expect(tiered.tierChanges == 1 && tiered.handoffsPerTicket == 1 && tiered.escalationRate == 1)
        #expect(tiered.firstContactResolutionRate == 0)
    }

    @Test("tiered: the tier-1 time limit hands a ticket up by itself while it is being worked")
    func tieredTimeLimit() throws {
        let staff = [
            StaffMember(id: "tom", tiers: [1], skills: ["network.dns": 3], shift: .always),
            StaffMember(id: "tia", tiers: [2], skills: ["network.dns": 5], shift: .always),
        ]
        // Level 3: 60 minutes of work take tom 96; the limit is 30.
        let (events, summary) = simulate(
            oneTicket(skills: ["network.dns"], effort: 60), staff: staff, mode: .tiered,
            settings: simSettings(tier1: minutes(30)))
        #expect(summary.refused == 0)
        let escalated = try #require(events.first { $0.type == .ticketEscalated })
        guard case .ticketEscalated(let escalation) = escalated.payload else { return }
        #expect(escalation.auto && escalated.actor == SwarmState.systemActor)
        #expect(escalated.at == nine.adding(milliseconds: minutes(30)))
        // tom did 30 ÷ 1.6 = 18.75 minutes of the work; tia reads 15, then does the rest at level 5.
        let resolved = try #require(events.resolvedAt("T-1"))
        let expected = Double(minutes(30 + 15)) + (60 - 30 / 1.6) * 60_000
        #expect(abs(Double(resolved.milliseconds - nine.milliseconds) - expected) <= 1)
    }

    @Test("hybrid: tier 1's escalation forms a swarm; the invited expert re-reads the case and resolves")
    func hybridSwarm() throws {
        let (events, summary) = simulate(oneTicket(skills: ["network.dns"], effort: 30), staff: ladder, mode: .hybrid) {
            $0.answerDelay = 2...2
        }
        #expect(summary.refused == 0)
        let escalated = try #require(events.first { $0.type == .ticketEscalated })
        guard case .ticketEscalated(let escalation) = escalated.payload else { return }
        #expect(escalation.swarm && escalation.to == nil && escalated.at == nine.adding(milliseconds: minutes(10)))
        let invited = events.filter { $0.type == .expertInvited }.compactMap { event -> String? in
            if case .expertInvited(let agent, _, _, _, _) = event.payload { return agent }
            return nil
        }
        #expect(invited == ["tia"])
        #expect(events.resolvedAt("T-1") == nine.adding(milliseconds: minutes(10 + 2 + 15 + 30)))
        var collector = MetricsCollector()
        collector.add(events)
        let hybrid = try #require(collector.report()[.hybrid])
        #expect(hybrid.tierChanges == 0 && hybrid.escalationRate == 1 && hybrid.resolved == 1)
    }

    @Test("swarm: two members split the work with 15 % coordination overhead, finishing sooner than one")
    func swarmSplitsWork() throws {
        let expert = { (id: String) in
            StaffMember(id: id, role: .expert, skills: ["network.vpn": 5], shift: .always)
        }
        let ticket = oneTicket(skills: ["network.vpn"], effort: 120)
        let (alone, _) = simulate(ticket, staff: [expert("vic")], mode: .swarm) { $0.answerDelay = 2...2 }
        let (pair, summary) = simulate(ticket, staff: [expert("val"), expert("vic")], mode: .swarm) {
            $0.answerDelay = 2...2
        }
        #expect(summary.refused == 0)
        let joined = pair.filter { $0.type == .swarmJoined }.map(\.actor)
        #expect(joined == ["val", "vic"])
        let soloEnd = try #require(alone.resolvedAt("T-1"))
        #expect(soloEnd == nine.adding(milliseconds: minutes(2 + 120)))
        // Two at full speed: 120 minutes of work at 2 ÷ 1.15 per minute = 69 minutes.
        let pairEnd = try #require(pair.resolvedAt("T-1"))
        let taken = pairEnd.milliseconds - nine.adding(milliseconds: minutes(2)).milliseconds
        #expect(taken >= minutes(69) && taken <= minutes(69) + 1)
        #expect(pairEnd < soloEnd)
        // Each logs the 69 minutes they gave it: the swarm spends 138 minutes on 120 minutes of work.
        let logged = pair.compactMap { event -> Int? in
            if case .workLogged(_, let minutes, _) = event.payload { return minutes }
            return nil
        }
        #expect(logged == [69, 69])
    }

    @Test("swarm: nobody on shift at night; the ticket waits for the morning shift")
    func shiftsPause() throws {
        let staff = [
            StaffMember(
                id: "vic", role: .expert, skills: ["network.vpn": 5], shift: Shift(start: 8 * 60, end: 17 * 60))
        ]
        var items = oneTicket(skills: ["network.vpn"], effort: 30)
        items[0].arrival = day0.adding(milliseconds: minutes(2 * 60))
        let (events, summary) = simulate(items, staff: staff, mode: .swarm)
        #expect(summary.refused == 0)
        // Offline agents are not invited: the ticket is picked up when vic comes on at 08:00.
        let started = try #require(events.of("T-1").first { $0.type == .commentAdded })
        #expect(started.at == day0.adding(milliseconds: minutes(8 * 60)))
        #expect(events.resolvedAt("T-1") == day0.adding(milliseconds: minutes(8 * 60 + 30)))
        let presence = events.compactMap { event -> String? in
            if case .presenceChanged("vic", let status, _) = event.payload { return "\(event.at) \(status.rawValue)" }
            return nil
        }
        // The run ends with the last ticket resolved, and everyone still at work goes offline then.
        #expect(presence == ["2026-01-05T08:00:00.000Z available", "2026-01-05T08:30:00.000Z offline"])
    }

    @Test("swarm: someone leaving for the weekend hands the ticket back; a colleague re-reads and finishes it")
    func handBack() throws {
        // Friday 16:00: wes works until 17:00 and is back on Monday; sue works around the clock but
        // has a lower level, so with one invitation per ticket only wes is invited; sue takes the
        // ticket from the dispatch list when it is handed back.
        let staff = [
            StaffMember(
                id: "wes", role: .expert, skills: ["network.vpn": 5],
                shift: Shift(start: 8 * 60, end: 17 * 60, days: [1, 2, 3, 4, 5])),
            StaffMember(id: "sue", skills: ["network": 4], shift: .always, capacity: 1),
        ]
        var items = oneTicket(skills: ["network.vpn"], effort: 120)
        let friday = day0.adding(milliseconds: minutes(4 * 1440 + 16 * 60))
        items[0].arrival = friday
        var settings = simSettings()
        settings.invitations = 1
        let (events, summary) = simulate(items, staff: staff, mode: .swarm, settings: settings) {
            $0.answerDelay = 1...1
        }
        #expect(summary.refused == 0, "\(summary.refusals)")
        let ticket = events.of("T-1")
        let types = ticket.filter { $0.at == friday.adding(milliseconds: minutes(60)) }.map(\.type)
        // At 17:00 wes logs 59 minutes, puts the ticket back to open and leaves (giving up ownership).
        #expect(types.prefix(4) == [.workLogged, .statusChanged, .ownerRemoved, .swarmLeft])
        let sueJoined = try #require(ticket.first { $0.type == .swarmJoined && $0.actor == "sue" })
        #expect(sueJoined.at == friday.adding(milliseconds: minutes(60)))
        // Sue (network level 4 covers network.vpn at 3: factor 1.6) re-reads 15 minutes, then does
        // the 61 minutes left at her pace.
        let resolved = try #require(events.resolvedAt("T-1"))
        let expected = Double(sueJoined.at.milliseconds) + (15 + 61 * 1.6) * 60_000
        #expect(abs(Double(resolved.milliseconds) - expected) <= 1)
        var collector = MetricsCollector()
        collector.add(events)
        #expect(try #require(collector.report()[.swarm]).ownerChanges == 1)
    }
}

@Suite("Simulator: determinism and the hub's own rules")
struct SimulatorRunTests {
    @Test("the same seed gives the same events, byte for byte, in every mode", arguments: RoutingMode.allCases)
    func sameSeed(mode: RoutingMode) throws {
        let workload = generated(150)
        let first = simulate(workload, staff: simStaff, mode: mode, seed: 11)
        let second = simulate(workload, staff: simStaff, mode: mode, seed: 11)
        #expect(first.events == second.events)
        #expect(first.summary == second.summary)
        let bytes = try first.events.map { try SwarmJSON.string($0) }
        #expect(bytes == (try second.events.map { try SwarmJSON.string($0) }))
        #expect(first.summary.events == first.events.count && first.events.count > 1000)
    }

    @Test("different seeds give different runs")
    func differentSeeds() {
        let workload = generated(100)
        let one = simulate(workload, staff: simStaff, mode: .swarm, seed: 1)
        let two = simulate(workload, staff: simStaff, mode: .swarm, seed: 2)
        #expect(one.events != two.events)
        #expect(generated(100, seed: 1) != generated(100, seed: 2))
    }

    @Test(
        "every command is one the hub accepts, and the short cuts (per-ticket deadlines, ticks on due tickets) match the full scans",
        arguments: RoutingMode.allCases)
    func hubRules(mode: RoutingMode) {
        var settings = simSettings(tier1: minutes(15))
        settings.defaultQueue.tierLimits[2] = minutes(120)
        settings.defaultQueue.sla = .standard
        let workload = generated(80, seed: 5, rate: 4)
        let (events, summary) = simulate(workload, staff: simStaff, mode: mode, settings: settings) {
            $0.checkShortcuts = true
        }
        #expect(summary.refused == 0, "\(summary.refusals)")
        #expect(summary.tickets == 80)
        #expect(summary.resolved + summary.open == 80)
        // Replaying the events rebuilds a state the hub would accept, and every ticket was opened once.
        let state = SwarmState.replaying(events)
        #expect(state.ticketCount == 80)
        #expect(events.contains { $0.type == .slaWarning || $0.type == .slaBreached })
        if mode != .swarm { #expect(events.contains { $0.type == .ticketEscalated }) }
    }

    @Test("the metrics code reports a simulation like a log: tickets, resolutions, work")
    func metricsOfASimulation() throws {
        let workload = generated(100)
        for mode in RoutingMode.allCases {
            let (events, summary) = simulate(workload, staff: simStaff, mode: mode)
            var collector = MetricsCollector()
            collector.add(events)
            let figures = try #require(collector.report(MetricsQuery(mode: mode))[mode])
            #expect(figures.opened == summary.tickets)
            #expect(figures.resolved == summary.resolved)
            #expect(figures.effortMinutes > 0)
            #expect(figures.firstResponse.count == summary.tickets)
        }
    }
}
