import Foundation
import SwarmCore
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator

/// Folds a large synthetic log into a MetricsCollector and times reports, as the hub does for
/// `GET /v1/metrics` and each `metrics.updated` push.
enum MetricsBench {
    static func run(tickets: Int, seed: UInt64) {
        var random = SimulationRandom(seed: seed)
        let start = Timestamp(milliseconds: 1_800_000_000_000)
        let modes: [RoutingMode] = [.swarm, .tiered, .hybrid]
        var events: [SwarmEvent] = []
        events.reserveCapacity(tickets * 8)
        for n in 1...tickets {
            let opened = start.adding(milliseconds: Int64(n) * 60_000)
            func at(_ minutes: Int) -> Timestamp { opened.adding(milliseconds: Int64(minutes) * 60_000) }
            var ticket = Ticket(
                id: Ticket.id(number: n), title: "t", description: "", requester: "req\(n % 500)", category: .other,
                urgency: .medium, impact: .low, queue: "q\(n % 5)", skills: [], openedAt: opened)
            ticket.mode = modes[n % 3]
            let id = ticket.id
            let agent = "agent\(random.integer(in: 0...199))"
            let helper = "agent\(random.integer(in: 0...199))"
            events.append(SwarmEvent(ticket: id, actor: ticket.requester, at: opened, payload: .ticketOpened(ticket)))
            let first = random.integer(in: 1...60)
            let done = first + random.integer(in: 10...609)
            events += [
                SwarmEvent(
                    ticket: id, actor: agent, at: at(first),
                    payload: .commentAdded(Comment(number: 1, author: agent, body: "x", at: at(first)))),
                SwarmEvent(ticket: id, actor: agent, at: at(first), payload: .ownerAdded(agent: agent)),
                SwarmEvent(ticket: id, actor: helper, at: at(first + 5), payload: .swarmJoined(agent: helper)),
                SwarmEvent(
                    ticket: id, actor: helper, at: at(done - 5),
                    payload: .workLogged(agent: helper, minutes: 20, note: nil)
                ),
                SwarmEvent(
                    ticket: id, actor: agent, at: at(done),
                    payload: .statusChanged(from: .inProgress, to: .resolved, resolution: nil)),
            ]
            if n % 7 == 0 {
                events.append(
                    SwarmEvent(
                        ticket: id, actor: "swarmd", at: at(done + 1),
                        payload: .slaBreached(target: .resolution, due: at(done + 1))))
            }
        }
        let clock = ContinuousClock()
        var collector = MetricsCollector()
        let fold = clock.measure { collector.add(events) }
        var report = MetricsReport(seq: 0, asOf: start)
        var samples: [Duration] = []
        for _ in 0..<5 { samples.append(clock.measure { report = collector.report() }) }
        samples.sort()
        let perSecond =
            Double(events.count) / (Double(fold.components.attoseconds) / 1e18 + Double(fold.components.seconds))
        print(
            "metrics: \(tickets) tickets, \(events.count) events folded in \(fold) (\(Int(perSecond)) events/s); "
                + "a report over all of them: median \(samples[2]), worst \(samples[4])")
        print(
            "  swarm opened \(report[.swarm]?.opened ?? 0), median resolve \(report[.swarm]?.resolve.median ?? 0) min")
    }
}
