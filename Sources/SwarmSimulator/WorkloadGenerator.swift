internal import Foundation
public import SwarmCore
public import SwarmImport
public import SwarmMetrics
public import SwarmProtocol

/// Makes a workload from stated distributions (docs/simulator.md, "Generated workloads"), the same
/// one for the same seed:
///
/// - **Arrivals**: a Poisson process whose rate follows the hour of the day (UTC) and the weekday
///   (``hourProfile``, ``weekdayProfile``), scaled so that a whole week averages ``ratePerHour``;
///   drawn by thinning.
/// - **Category**: ``categoryMix``; **skills**: one tag from the category's pool (``skillPools``,
///   weighted), and with probability ``secondSkillChance`` a second, different one from the same pool.
/// - **Urgency** and **impact**: independent, ``urgencyMix`` and ``impactMix`` (high, medium, low).
/// - **Effort**: log-normal, median by category (``medianEffort``), σ ``effortSigma`` of its
///   logarithm, rounded to whole minutes and kept within ``effortRange``.
public struct WorkloadGenerator: Sendable {
    public var count: Int
    /// Mean arrivals per hour over a whole week.
    public var ratePerHour: Double = 1.5
    /// The start of the first hour (arrivals come after it).
    public var start = Timestamp(milliseconds: 1_767_571_200_000)  // 2026-01-05T00:00:00Z, a Monday
    public var seed: UInt64
    public var queue = Limits.defaultQueue

    /// Relative arrival rate by hour of the day, UTC (0–23): quiet at night, peaks in the morning.
    public static let hourProfile: [Double] = [
        0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.6, 2.0, 2.0, 2.0,
        1.4, 1.8, 1.8, 1.8, 1.4, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1,
    ]
    /// Relative arrival rate by weekday, Sunday first: weekends get 15 % of a weekday.
    public static let weekdayProfile: [Double] = [0.15, 1, 1, 1, 1, 1, 0.15]
    public static let categoryMix: [(Category, Double)] = [
        (.hardware, 0.20), (.software, 0.25), (.network, 0.15), (.access, 0.20), (.service, 0.10), (.other, 0.10),
    ]
    /// Each category's skill tags (standard taxonomy) with their weights.
    public static let skillPools: [Category: [(String, Double)]] = [
        .hardware: [("hardware.laptop", 4), ("printer", 3), ("hardware.mobile", 2), ("hardware", 1)],
        .software: [
            ("office.outlook", 3), ("office.excel", 2), ("office.teams", 2), ("office.word", 1), ("windows.update", 2),
            ("erp.sap", 1),
        ],
        .network: [
            ("network.vpn", 3), ("network.wifi", 3), ("network.dns", 1), ("network.proxy", 1), ("network.firewall", 1),
            ("network.dhcp", 1),
        ],
        .access: [("access.password", 5), ("security.mfa", 3), ("windows.ad", 2)],
        .service: [
            ("mail.exchange", 3), ("storage.backup", 2), ("terminal-server", 2), ("database.mssql", 1),
            ("cloud.azure", 1), ("telephony", 1),
        ],
        .other: [("security.phishing", 2), ("macos", 2), ("linux", 1), ("web", 1), ("storage.nas", 1)],
    ]
    public static let secondSkillChance = 0.15
    public static let urgencyMix: [(Level, Double)] = [(.high, 0.15), (.medium, 0.50), (.low, 0.35)]
    public static let impactMix: [(Level, Double)] = [(.high, 0.10), (.medium, 0.40), (.low, 0.50)]
    /// Median minutes of work by category, for a fully skilled agent.
    public static let medianEffort: [Category: Double] = [
        .hardware: 40, .software: 30, .network: 45, .access: 15, .service: 60, .other: 30,
    ]
    public static let effortSigma = 0.8
    public static let effortRange = 5...960

    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    /// The workload, by arrival. Tags the taxonomy does not know are left out of the pools (so a
    /// custom taxonomy gets tickets without them; the hub still infers some from the category).
    public func generate(taxonomy: Taxonomy) -> [WorkloadItem] {
        var random = SimulationRandom(seed: seed, stream: 1)
        let hourMs: Int64 = 3_600_000
        // Normalise the week's profile to a mean of 1, so `ratePerHour` is the weekly average.
        var weekly: [Double] = []
        for day in 0..<7 { for hour in 0..<24 { weekly.append(Self.weekdayProfile[day] * Self.hourProfile[hour]) } }
        let mean = weekly.reduce(0, +) / Double(weekly.count)
        let peak = (weekly.max() ?? 1) / mean
        let maxRate = ratePerHour * peak
        let pools = Self.skillPools.mapValues { pool in pool.filter { taxonomy.resolve($0.0) == $0.0 } }
        var items: [WorkloadItem] = []
        items.reserveCapacity(count)
        var clock = Double(start.milliseconds)
        while items.count < count, maxRate > 0 {
            clock += random.exponential(mean: Double(hourMs) / maxRate)
            let instant = Int64(clock)
            let day = instant / 86_400_000
            let weekday = Int((day + 4) % 7)  // 1970-01-01 was a Thursday
            let hour = Int(instant % 86_400_000 / hourMs)
            let rate = ratePerHour * Self.weekdayProfile[weekday] * Self.hourProfile[hour] / mean
            guard random.unit() * maxRate < rate else { continue }
            let category = Self.categoryMix[random.pick(weights: Self.categoryMix.map(\.1))].0
            var skills: [String] = []
            if let pool = pools[category], !pool.isEmpty {
                let weights = pool.map(\.1)
                skills.append(pool[random.pick(weights: weights)].0)
                if pool.count > 1, random.unit() < Self.secondSkillChance {
                    var second = skills[0]
                    while second == skills[0] { second = pool[random.pick(weights: weights)].0 }
                    skills.append(second)
                }
            }
            let urgency = Self.urgencyMix[random.pick(weights: Self.urgencyMix.map(\.1))].0
            let impact = Self.impactMix[random.pick(weights: Self.impactMix.map(\.1))].0
            let median = Self.medianEffort[category] ?? 30
            let effort = Int(random.logNormal(median: median, sigma: Self.effortSigma).rounded())
            items.append(
                WorkloadItem(
                    id: "G-\(items.count + 1)", arrival: Timestamp(milliseconds: instant), category: category,
                    urgency: urgency, impact: impact, skills: skills,
                    effortMinutes: min(max(effort, Self.effortRange.lowerBound), Self.effortRange.upperBound),
                    queue: queue))
        }
        return items
    }
}
