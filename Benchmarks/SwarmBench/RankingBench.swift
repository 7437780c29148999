import Foundation
import SwarmCore
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator

/// Ranks tickets among many agents with the matcher of SwarmCore, the same code the hub runs on
/// `ticket.open`: the state is built by applying events, so the index is the one replay builds.
enum RankingBench {
    static func run(agents: Int, tags: Int, tickets: Int, seed: UInt64) throws {
        var random = SimulationRandom(seed: seed)
        // Tags: roots with children, like network / network.dns; tags/10 roots.
        let roots = max(1, tags / 10)
        var names: [String] = []
        for r in 0..<roots { names.append("area\(r)") }
        var r = 0
        while names.count < tags {
            names.append("area\(r % roots).topic\(names.count)")
            r += 1
        }
        let at = Timestamp(milliseconds: 1_800_000_000_000)
        var state = SwarmState()
        let buildStart = ContinuousClock.now
        for a in 0..<agents {
            let agent = "agent\(a)"
            var skills: [String: Int] = [:]
            for _ in 0..<5 {
                skills[names[random.integer(in: 0...names.count - 1)]] = 1 + random.integer(in: 0...4)
            }
            state.apply(
                SwarmEvent(ticket: nil, actor: agent, at: at, payload: .skillsChanged(agent: agent, skills: skills)))
            let roll = random.integer(in: 0...99)
            let presence: Presence = roll < 70 ? .available : roll < 85 ? .busy : roll < 95 ? .away : .offline
            state.apply(
                SwarmEvent(
                    ticket: nil, actor: agent, at: at,
                    payload: .presenceChanged(agent: agent, status: presence, auto: false)))
        }
        // Load: 2,000 open tickets with three members each.
        for n in 1...2_000 {
            let ticket = Ticket(
                id: Ticket.id(number: n), title: "t", description: "", requester: "req", category: .other,
                urgency: .low, impact: .low, queue: "general",
                skills: [names[random.integer(in: 0...names.count - 1)]], openedAt: at)
            state.apply(SwarmEvent(ticket: ticket.id, actor: "req", at: at, payload: .ticketOpened(ticket)))
            for _ in 0..<3 {
                let agent = "agent\(random.integer(in: 0...agents - 1))"
                state.apply(SwarmEvent(ticket: ticket.id, actor: agent, at: at, payload: .swarmJoined(agent: agent)))
            }
        }
        let build = ContinuousClock.now - buildStart
        print("ranking: \(agents) agents × 5 skills over \(names.count) tags, 2,000 open tickets; built in \(build)")

        var samples: [Double] = []
        var pool = 0
        var ranked = 0
        let clock = ContinuousClock()
        for _ in 0..<tickets {
            var required: [String] = []
            for _ in 0..<(1 + random.integer(in: 0...2)) {
                required.append(names[random.integer(in: 0...names.count - 1)])
            }
            var result: [Candidate] = []
            let elapsed = clock.measure {
                result = state.rank(required: required, excluding: ["req"], limit: 10)
            }
            samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            ranked += result.count
            pool += result.isEmpty ? 0 : 1
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        let mean = samples.reduce(0, +) / Double(samples.count)
        print(
            String(
                format:
                    "ranked %d tickets (1–3 required tags, top 10): median %.1f µs, p90 %.1f µs, p99 %.1f µs, mean %.1f µs",
                tickets, percentile(0.5), percentile(0.9), percentile(0.99), mean))
        print("tickets with candidates: \(pool) of \(tickets); candidates returned: \(ranked)")
    }
}
