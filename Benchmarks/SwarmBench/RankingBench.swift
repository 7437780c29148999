import Foundation
import SwarmCore
import SwarmProtocol

/// Ranks tickets among many agents with the matcher of SwarmCore, the same code the hub runs on
/// `ticket.open`: the state is built by applying events, so the index is the one replay builds.
enum RankingBench {
    /// A small deterministic generator (SplitMix64), so every run ranks the same tickets.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func run(agents: Int, tags: Int, tickets: Int, seed: UInt64) throws {
        var random = Random(state: seed)
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
            for _ in 0..<5 { skills[names[random.below(names.count)]] = 1 + random.below(5) }
            state.apply(
                SwarmEvent(ticket: nil, actor: agent, at: at, payload: .skillsChanged(agent: agent, skills: skills)))
            let roll = random.below(100)
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
                urgency: .low, impact: .low, queue: "general", skills: [names[random.below(names.count)]], openedAt: at)
            state.apply(SwarmEvent(ticket: ticket.id, actor: "req", at: at, payload: .ticketOpened(ticket)))
            for _ in 0..<3 {
                let agent = "agent\(random.below(agents))"
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
            for _ in 0..<(1 + random.below(3)) { required.append(names[random.below(names.count)]) }
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
