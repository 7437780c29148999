import Foundation
import SwarmCore
import SwarmMetrics
import SwarmProtocol
import Testing

/// Hand-built logs with answers worked out by hand (docs/metrics.md defines each figure).
struct Log {
    static let t0 = Timestamp(milliseconds: 1_795_000_000_000)
    var events: [SwarmEvent] = []

    static func at(_ minutes: Double) -> Timestamp { t0.adding(milliseconds: Int64(minutes * 60_000)) }

    mutating func open(
        _ number: Int, at minutes: Double, mode: RoutingMode = .swarm, by requester: String = "rita",
        assignee: String? = nil, queue: String = "general", urgency: Level = .medium, via: Via = .portal
    ) {
        var ticket = Ticket(
            id: Ticket.id(number: number), title: "ticket \(number)", description: "", requester: requester,
            category: .network, urgency: urgency, impact: .medium, queue: queue, skills: [], openedAt: Self.at(minutes),
            via: via)
        ticket.mode = mode
        if mode != .swarm {
            ticket.tier = 1
            ticket.assignee = assignee
        }
        events.append(
            SwarmEvent(ticket: ticket.id, actor: requester, at: Self.at(minutes), payload: .ticketOpened(ticket)))
    }

    mutating func add(_ number: Int?, _ actor: String, at minutes: Double, _ payload: EventPayload) {
        events.append(
            SwarmEvent(ticket: number.map(Ticket.id(number:)), actor: actor, at: Self.at(minutes), payload: payload))
    }

    mutating func comment(_ number: Int, _ actor: String, at minutes: Double) {
        add(
            number, actor, at: minutes,
            .commentAdded(Comment(number: 1, author: actor, body: "x", at: Self.at(minutes))))
    }

    mutating func status(_ number: Int, _ actor: String, at minutes: Double, _ from: TicketStatus, _ to: TicketStatus) {
        add(number, actor, at: minutes, .statusChanged(from: from, to: to, resolution: to == .resolved ? "done" : nil))
    }

    func report(_ query: MetricsQuery = MetricsQuery()) -> MetricsReport {
        var collector = MetricsCollector()
        collector.add(events)
        return collector.report(query)
    }

    /// One swarm ticket worked by two agents, one tiered ticket escalated, reopened and breached,
    /// one tiered ticket nobody answered, one hybrid ticket its requester solved with an article.
    static var standard: Log {
        var log = Log()
        // T-1, swarm: alice answers at 5 m, owns it with bob helping, resolved at 60 m.
        log.open(1, at: 0)
        log.add(nil, "bob", at: 0, .presenceChanged(agent: "bob", status: .available, auto: true))
        log.comment(1, "alice", at: 5)
        log.add(1, "alice", at: 6, .swarmJoined(agent: "alice"))
        log.add(1, "bob", at: 7, .swarmJoined(agent: "bob"))
        log.add(1, "alice", at: 10, .ownerAdded(agent: "alice"))
        log.status(1, "alice", at: 10, .new, .inProgress)
        log.add(1, "bob", at: 40, .workLogged(agent: "bob", minutes: 30, note: nil))
        log.add(1, "alice", at: 55, .workLogged(agent: "alice", minutes: 20, note: "fixed"))
        log.status(1, "alice", at: 60, .inProgress, .resolved)
        log.add(nil, "bob", at: 100, .presenceChanged(agent: "bob", status: .offline, auto: true))
        // T-2, tiered: carl (tier 1) answers at 10 m, hands it to dave (tier 2) at 20 m; resolved at
        // 120 m, reopened by rita at 200 m, breached at 240 m, resolved again at 300 m.
        log.open(2, at: 0, mode: .tiered, assignee: "carl")
        log.comment(2, "carl", at: 10)
        log.add(
            2, "carl", at: 20,
            .ticketEscalated(Escalation(from: 1, to: 2, auto: false, reason: "dns", assignee: "dave")))
        log.status(2, "dave", at: 30, .new, .inProgress)
        log.status(2, "dave", at: 120, .inProgress, .resolved)
        log.status(2, "rita", at: 200, .resolved, .open)
        log.add(2, "swarmd", at: 240, .slaBreached(target: .resolution, due: at(240)))
        log.status(2, "dave", at: 300, .open, .resolved)
        // T-3, tiered, opened at 30 m: nobody answers.
        log.open(3, at: 30, mode: .tiered, assignee: "carl")
        // T-4, hybrid, opened at 60 m: rita applies an article herself at 63 m.
        log.open(4, at: 60, mode: .hybrid, assignee: "carl")
        log.add(4, "rita", at: 63, .kbApplied(article: "KB-1", deflected: true))
        log.status(4, "rita", at: 63, .new, .resolved)
        log.add(nil, "ops", at: 360, .queueConfigured(queue: "general", mode: .swarm))
        return log
    }
}

@Suite("Metrics from hand-built logs")
struct MetricsTests {
    let report = Log.standard.report()

    @Test func countsOpenedResolvedAndBacklog() throws {
        let swarm = try #require(report[.swarm])
        let tiered = try #require(report[.tiered])
        let hybrid = try #require(report[.hybrid])
        #expect((swarm.opened, swarm.resolved, swarm.backlog) == (1, 1, 0))
        #expect((tiered.opened, tiered.resolved, tiered.backlog) == (2, 1, 1))
        #expect((hybrid.opened, hybrid.resolved, hybrid.backlog) == (1, 1, 0))
        // As of the last event (360 m), T-3 (opened at 30 m) has waited 330 minutes.
        #expect(tiered.backlogAge == DurationStat(count: 1, median: 330, p90: 330, mean: 330))
        #expect(report.asOf == Log.at(360))
        #expect(report.seq == Int64(Log.standard.events.count))
        #expect(report.modes.map(\.mode) == [.swarm, .tiered, .hybrid])
    }

    @Test func clocksStopAtFirstResponseAndResolution() throws {
        let swarm = try #require(report[.swarm])
        let tiered = try #require(report[.tiered])
        let hybrid = try #require(report[.hybrid])
        #expect(swarm.firstResponse == DurationStat(count: 1, median: 5, p90: 5, mean: 5))
        #expect(swarm.resolve == DurationStat(count: 1, median: 60, p90: 60, mean: 60))
        // A reopened ticket's clock runs to its last resolution.
        #expect(tiered.firstResponse == DurationStat(count: 1, median: 10, p90: 10, mean: 10))
        #expect(tiered.resolve == DurationStat(count: 1, median: 300, p90: 300, mean: 300))
        // The requester's own resolution is no response from support.
        #expect(hybrid.firstResponse.count == 0 && hybrid.firstResponse.median == nil)
        #expect(hybrid.resolve.median == 3)
    }

    @Test func handoffsEscalationsReopensBreachesDeflections() throws {
        let swarm = try #require(report[.swarm])
        let tiered = try #require(report[.tiered])
        let hybrid = try #require(report[.hybrid])
        #expect((tiered.tierChanges, tiered.ownerChanges, tiered.handoffs) == (1, 0, 1))
        #expect(tiered.handoffsPerTicket == 0.5)
        #expect(tiered.escalationRate == 0.5)
        #expect(tiered.reopenRate == 1)
        #expect(tiered.slaBreachRate == 0.5)
        #expect(tiered.firstContactResolutionRate == 0)
        #expect(tiered.deflectionRate == 0)
        #expect(swarm.firstContactResolutionRate == 1)
        #expect(swarm.handoffsPerTicket == 0)
        #expect(swarm.reopenRate == 0)
        #expect(hybrid.deflectionRate == 1)
        #expect(tiered.handoffHistogram.map(\.count) == [1, 1, 0, 0])
        #expect(tiered.handoffHistogram.last?.orMore == true)
    }

    @Test func agentsEffortContributionAndUtilisation() throws {
        let swarm = try #require(report[.swarm])
        let tiered = try #require(report[.tiered])
        #expect(swarm.agentsPerTicket == 2)
        // carl and dave on T-2, carl assigned T-3: three agent-tickets over two tickets.
        #expect(tiered.agentsPerTicket == 1.5)
        #expect(swarm.effortMinutes == 50)
        #expect(swarm.effortPerTicket == 50)
        let agents = Dictionary(uniqueKeysWithValues: report.agents.map { ($0.agent, $0) })
        #expect(agents.keys.sorted() == ["alice", "bob", "carl", "dave"])
        let bob = try #require(agents["bob"])
        #expect((bob.tickets, bob.owned, bob.resolved) == (1, 0, 1))
        #expect((bob.effortMinutes, bob.contributionMinutes, bob.contributedTickets) == (30, 30, 1))
        // Available from 0 to 100 m: 30 of 100 minutes.
        #expect(bob.utilisation == 0.3)
        let alice = try #require(agents["alice"])
        #expect((alice.owned, alice.contributionMinutes, alice.utilisation) == (1, 0, nil))
        let carl = try #require(agents["carl"])
        #expect((carl.tickets, carl.owned, carl.resolved) == (3, 3, 2))
        // Only bob was ever available among those who logged swarm work: 50 minutes over 100.
        #expect(swarm.utilisation == 0.5)
    }

    @Test func aReportAsOfAnEarlierInstantIgnoresWhatCameAfter() throws {
        let early = Log.standard.report(MetricsQuery(to: Log.at(90)))
        let tiered = try #require(early[.tiered])
        #expect(early.asOf == Log.at(90))
        #expect((tiered.opened, tiered.resolved, tiered.backlog) == (2, 0, 2))
        #expect(tiered.reopenRate == nil)
        #expect(tiered.slaBreachRate == 0)
        // Opened at 0 and 30 m, both waiting at 90 m.
        #expect(tiered.backlogAge == DurationStat(count: 2, median: 75, p90: 90, mean: 75))
        let swarm = try #require(early[.swarm])
        #expect(swarm.resolve.median == 60)
        // T-4 opened at 60 m is in; a window ending at 60 m leaves it out.
        #expect(early[.hybrid]?.opened == 1)
        #expect(Log.standard.report(MetricsQuery(to: Log.at(60)))[.hybrid]?.opened == 0)
    }

    @Test func filtersByWindowQueueModeAndPriority() throws {
        let log = Log.standard
        let late = log.report(MetricsQuery(from: Log.at(30)))
        #expect(late.modes.map(\.opened) == [0, 1, 1])
        let tieredOnly = log.report(MetricsQuery(mode: .tiered))
        #expect(tieredOnly.modes.map(\.mode) == [.tiered])
        #expect(tieredOnly.mode == .tiered)
        #expect(log.report(MetricsQuery(queue: "other")).modes.allSatisfy { $0.opened == 0 })
        // Every standard ticket is medium × medium: P3.
        #expect(log.report(MetricsQuery(priority: .p3)).modes.map(\.opened) == [1, 2, 1])
        #expect(log.report(MetricsQuery(priority: .p1)).modes.map(\.opened) == [0, 0, 0])
    }

    @Test func anOwnerLettingGoOfAnOpenTicketIsAHandoff() throws {
        var log = Log()
        log.open(1, at: 0)
        log.add(1, "alice", at: 1, .ownerAdded(agent: "alice"))
        log.add(1, "bob", at: 2, .ownerAdded(agent: "bob"))
        log.add(1, "alice", at: 3, .ownerRemoved(agent: "alice"))
        log.status(1, "bob", at: 4, .new, .resolved)
        // After resolution, letting go is tidying up, not a hand-off.
        log.add(1, "bob", at: 5, .ownerRemoved(agent: "bob"))
        let swarm = try #require(log.report()[.swarm])
        #expect((swarm.ownerChanges, swarm.tierChanges, swarm.handoffs) == (1, 0, 1))
        #expect(swarm.firstContactResolutionRate == 0)
        // A status change by someone other than the requester is a first response.
        #expect(swarm.firstResponse.median == 4)
    }

    @Test func whoeverResolvesATicketNobodyOwnedCarriedIt() throws {
        var log = Log()
        log.open(1, at: 0)
        log.add(1, "bob", at: 1, .workLogged(agent: "bob", minutes: 10, note: nil))
        log.add(1, "alice", at: 2, .workLogged(agent: "alice", minutes: 5, note: nil))
        log.status(1, "alice", at: 3, .new, .resolved)
        let agents = Dictionary(uniqueKeysWithValues: log.report().agents.map { ($0.agent, $0) })
        #expect(agents["alice"]?.owned == 1 && agents["alice"]?.contributionMinutes == 0)
        #expect(agents["bob"]?.owned == 0 && agents["bob"]?.contributionMinutes == 10)
        // Before it was resolved, nobody carried it: both helped.
        let early = Dictionary(
            uniqueKeysWithValues: log.report(MetricsQuery(to: Log.at(2.5))).agents.map { ($0.agent, $0) })
        #expect(early["alice"]?.owned == 0 && early["alice"]?.contributionMinutes == 5)
    }

    @Test func histogramsAndTimelineAddUp() throws {
        let report = Log.standard.report()
        #expect(report.timelineBucket == .hour)
        let tiered = try #require(report[.tiered])
        // T-2 took 300 m: the "≤8h" bin.
        #expect(tiered.resolveHistogram.first { $0.count > 0 }?.label == "≤8h")
        #expect(tiered.resolveHistogram.map(\.count).reduce(0, +) == tiered.resolved)
        // t0 is 6 m 40 s past an hour: the buckets start then, and 360 m falls in the seventh.
        #expect(tiered.timeline.map(\.opened).reduce(0, +) == 2)
        #expect(tiered.timeline.map(\.breaches).reduce(0, +) == 1)
        // Backlog: both tiered tickets open in the first hours; T-2 resolved (hour 2), reopened
        // (hour 3), resolved (hour 5); T-3 stays open.
        #expect(tiered.timeline.map(\.backlog) == [2, 2, 1, 2, 2, 1, 1])
        #expect(tiered.timeline.map(\.resolved).reduce(0, +) == 1)
    }

    @Test func emptyLogGivesZerosNotNaN() throws {
        let report = MetricsCollector().report()
        #expect(report.modes.count == 3)
        for mode in report.modes {
            #expect(mode.opened == 0 && mode.handoffsPerTicket == nil && mode.resolve.median == nil)
            #expect(mode.utilisation == nil && mode.reopenRate == nil)
        }
        #expect(report.table().contains("—"))
        #expect(!report.csv().contains("nan"))
    }

    @Test func sameLogSameReportAndTextForms() throws {
        // Invariant 5: a pure function of the log.
        #expect(Log.standard.report() == Log.standard.report())
        let csv = Log.standard.report().csv().split(separator: "\n")
        #expect(csv.count == 4 + Via.allCases.count, "a row per mode, then one per way in")
        #expect(csv[0].hasPrefix("mode,opened,resolved,backlog,"))
        #expect(
            csv[2].hasPrefix("tiered,2,1,1,330,330,330,1,10,10,10,1,300,300,300,1,0.5,1,0,1.5,0.5,0,1,0.5,0.5,0,0,0,"))
        // Collaboration: swarm T-1 had alice and bob; one of the two tiered tickets had more than one agent.
        #expect(Log.standard.report().modes.map(\.collaborationRate) == [1, 0.5, 0])
        let table = Log.standard.report().table()
        #expect(table.contains("Time to resolve, median"))
        #expect(table.contains("5h 0m"))
        #expect(MetricsReport.duration(42) == "42m" && MetricsReport.duration(185) == "3h 5m")
        #expect(MetricsReport.duration(3120) == "2d 4h")
        #expect(MetricsReport.duration(0) == "0m" && MetricsReport.duration(0.5) == "30s")
        #expect(MetricsReport.duration(nil) == "—")
    }

    @Test("every figure broken down by via, across modes; the modes' figures unchanged")
    func byVia() throws {
        var log = Log()
        // T-1 by phone (swarm): alice answers at 10 m and resolves at 30 m. T-2 by phone (tiered),
        // unanswered. T-3 through the portal (swarm), resolved by bob at 90 m.
        log.open(1, at: 0, via: .phone)
        log.comment(1, "alice", at: 10)
        log.status(1, "alice", at: 30, .new, .resolved)
        log.open(2, at: 0, mode: .tiered, assignee: "carl", via: .phone)
        log.open(3, at: 0)
        log.status(3, "bob", at: 90, .new, .resolved)
        let report = log.report(MetricsQuery(to: Log.at(120)))
        #expect(report.byVia.map(\.via) == Via.allCases, "every way in, in order, even without tickets")
        let phone = try #require(report[via: .phone])
        #expect(phone.opened == 2 && phone.resolved == 1 && phone.backlog == 1)
        #expect(phone.firstResponse.median == 10 && phone.resolve.median == 30)
        #expect(phone.backlogAge.median == 120)
        let portal = try #require(report[via: .portal])
        #expect(portal.opened == 1 && portal.resolve.median == 90 && portal.firstResponse.count == 1)
        #expect(report[via: .email]?.opened == 0 && report[via: .email]?.resolve.median == nil)
        #expect(report.byVia.reduce(0) { $0 + $1.opened } == report.modes.reduce(0) { $0 + $1.opened })
        // The text forms: the via table has a column per way that brought a ticket; the CSV a row per way.
        let table = report.viaTable()
        #expect(table.split(separator: "\n").first?.split(separator: " ").map(String.init) == ["phone", "portal"])
        let csv = report.csv().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(csv.contains { $0.hasPrefix(",2,1,1,120,120,120,1,10,10,10,1,30,30,30,") && $0.hasSuffix(",phone") })
        #expect(csv[1].hasPrefix("swarm,2,2,0,") && csv[1].hasSuffix(","), "a mode's row has no via")
        // JSON: each entry is one object, `via` beside the figures, and decodes back.
        let json = try SwarmJSON.string(report)
        #expect(json.contains(#""opened":2,"ownerChanges":0"#))
        #expect(try JSONDecoder().decode(MetricsReport.self, from: Data(json.utf8)) == report)
        // A report from a hub older than via decodes with no breakdown.
        var old = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        old["byVia"] = nil
        let oldReport = try JSONDecoder().decode(
            MetricsReport.self, from: try JSONSerialization.data(withJSONObject: old))
        #expect(oldReport.byVia.isEmpty && oldReport.modes == report.modes)
    }
}
