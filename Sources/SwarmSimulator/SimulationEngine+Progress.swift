import Foundation
import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol

extension SimulationEngine {
    // MARK: Progress

    /// Brings the work of `agents`' tickets and of `tickets` up to now, before a change of who
    /// works what; returns them for ``settle(_:agents:)``.
    mutating func prepare(agents: [String], tickets: [String] = []) -> [String] {
        var affected: [String] = tickets
        for agent in agents {
            for id in people[agent]?.active ?? [] where !affected.contains(id) { affected.append(id) }
        }
        for id in affected { advance(id) }
        return affected
    }

    /// After the change: plans the next check of every ticket involved.
    mutating func settle(_ affected: [String], agents: [String]) {
        var all = affected
        for agent in agents { for id in people[agent]?.active ?? [] where !all.contains(id) { all.append(id) } }
        for id in all { schedule(id) }
    }

    /// Each worker gives the ticket their share of attention; the reading and diagnosing come
    /// first; the rest is work at 1 ÷ factor per minute, the swarm's total divided by the
    /// coordination overhead.
    mutating func advance(_ id: String) {
        guard var work = works[id] else { return }
        let elapsed = Double(clock - work.lastUpdate) / Double(Self.minute)
        if elapsed > 0 {
            var rate = 0.0
            var working = 0
            for index in work.workers.indices {
                let share = people[work.workers[index].agent]?.share ?? 0
                guard share > 0 else { continue }
                work.workers[index].spent += elapsed * share
                if work.workers[index].overhead > 0 || work.workers[index].diagnosing {
                    work.workers[index].overhead = max(0, work.workers[index].overhead - elapsed * share)
                } else {
                    rate += share / work.workers[index].factor
                    working += 1
                }
            }
            if working > 0 {
                work.remaining -= elapsed * rate / (1 + options.coordinationOverhead * Double(working - 1))
            }
        }
        work.lastUpdate = clock
        works[id] = work
    }

    /// Plans the ticket's next check: when the first reading or diagnosis ends, or the work does.
    mutating func schedule(_ id: String) {
        guard var work = works[id] else { return }
        work.version += 1
        var next: Double?
        var rate = 0.0
        var working = 0
        for worker in work.workers {
            let share = people[worker.agent]?.share ?? 0
            guard share > 0 else { continue }
            if worker.overhead > 0 || worker.diagnosing {
                let left = worker.overhead / share
                if next.map({ left < $0 }) ?? true { next = left }
            } else {
                rate += share / worker.factor
                working += 1
            }
        }
        if working > 0 {
            let left = max(0, work.remaining) / (rate / (1 + options.coordinationOverhead * Double(working - 1)))
            if next.map({ left < $0 }) ?? true { next = left }
        }
        works[id] = work
        if let next { queue.push(.check(ticket: id, version: work.version), at: clock + Self.minutes(next)) }
    }
}
