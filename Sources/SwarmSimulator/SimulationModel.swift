internal import Foundation
public import SwarmImport
public import SwarmMetrics
public import SwarmProtocol

/// The simulation's numbers: the routing mode, the seed and the service model
/// (docs/simulator.md, "The model"). Minutes are simulated minutes.
public struct SimulationOptions: Sendable, Hashable {
    /// How every queue of the workload routes its tickets.
    public var mode: RoutingMode = .swarm
    /// The seed of the simulation's random numbers (invitation answer delays).
    public var seed: UInt64 = 1
    /// Minutes a person spends re-reading a case that changed hands — after a tier hand-off, or
    /// when a hybrid ticket's swarm forms — before their work counts. Default 15.
    public var handoffMinutes: Double = 15
    /// Extra work for each working member of a swarm beyond the first: 0.15 is +15 % each, so two
    /// members at full speed get through 2 ÷ 1.15 = 1.74 times the work of one.
    public var coordinationOverhead: Double = 0.15
    /// Tickets one person works at once unless the staff file gives theirs. Default 3.
    public var capacity = 3
    /// Minutes a tier agent who lacks the ticket's skills spends on it before escalating; also
    /// how long a swarm that lacks a skill works before asking for help. Default 10.
    public var diagnosisMinutes: Double = 10
    /// How many minutes an invited expert takes to answer, drawn uniformly. Default 1 to 5.
    public var answerDelay = 1...5
    /// Minutes the vendor (tier 4) takes, from the hand-off to the fix. Default 2 days.
    public var vendorMinutes: Double = 2 * 1440
    /// A ticket nobody is working or invited to (a dispatch ticket) waits this many minutes for
    /// someone free with a matching skill; after that anyone free takes it. Default 60.
    public var pickupMinutes: Double = 60
    /// Minutes after the last arrival at which the simulation stops, even with tickets still open
    /// (they count as backlog). Default 14 days.
    public var drainMinutes: Int64 = 14 * 1440
    /// The fitted parameters of a calibrated run (``Calibration``); `nil`: the plain model, where
    /// skills alone decide who escalates and people start what they are given at once.
    public var calibration: Calibration?
    /// For tests: also decide every `tick` over the whole state and compare it with the tick over
    /// the due tickets, and the kept next deadline with `nextDeadline`; a difference counts as a
    /// refusal in the summary. Slow.
    public var checkShortcuts = false

    /// Time multiplier by skill level 0 (no matching skill) to 5: 4, 3, 2.2, 1.6, 1.25, 1.
    public static let skillFactors: [Double] = [4.0, 3.0, 2.2, 1.6, 1.25, 1.0]
    /// The level everyone has for a ticket that needs no skill.
    public static let genericLevel = 3
    /// The skill level a ticket needs, by its effort: up to 20 minutes 1, 45 minutes 2, 2 hours 3,
    /// 8 hours 4, longer 5. One person resolves a ticket at a tier only with at least this level in
    /// each of its skills; a swarm without it in some skill asks for help.
    public static let neededLevels: [(upTo: Int, level: Int)] = [(20, 1), (45, 2), (120, 3), (480, 4)]

    /// The level a ticket of `effort` minutes needs (``neededLevels``).
    public static func neededLevel(effort: Int) -> Int {
        neededLevels.first { effort <= $0.upTo }?.level ?? 5
    }

    public init(mode: RoutingMode = .swarm, seed: UInt64 = 1) {
        self.mode = mode
        self.seed = seed
    }
}

/// What a simulation run did, besides its events.
public struct SimulationSummary: Sendable, Hashable {
    public var mode: RoutingMode
    /// Tickets opened, resolved, and still open at the end.
    public var tickets: Int
    public var resolved: Int
    public var open: Int
    /// Events logged (what a hub's log would hold).
    public var events: Int
    /// Commands the domain refused. The model only issues commands a hub would accept, so this is 0
    /// unless the model has a bug; `refusals` holds the first few messages.
    public var refused: Int
    public var refusals: [String]
    /// The simulated span: from the start of the first arrival's day to the last event.
    public var start: Timestamp
    public var end: Timestamp

    public init(mode: RoutingMode, start: Timestamp) {
        self.mode = mode
        self.tickets = 0
        self.resolved = 0
        self.open = 0
        self.events = 0
        self.refused = 0
        self.refusals = []
        self.start = start
        self.end = start
    }
}

/// The skill level a person brings to one required tag: the tag itself at its level, a tag under
/// it (more specific) at its level, or an ancestor at its level minus one per step up; 0 if none.
func skillLevel(_ skills: [String: Int], for tag: String) -> Int {
    var best = skills[tag] ?? 0
    var rest = Substring(tag)
    var steps = 1
    while let dot = rest.lastIndex(of: ".") {
        rest = rest[..<dot]
        if let level = skills[String(rest)] { best = max(best, level - steps) }
        steps += 1
    }
    let prefix = tag + "."
    for (held, level) in skills where level > best && held.hasPrefix(prefix) { best = level }
    return max(0, best)
}

/// The free parameters of the simulation that `swarmd simulate --calibrate` fits to a real history
/// (docs/simulator.md, "Calibration"), so that the simulated tiered run on the history's arrivals
/// reproduces what happened. Each is drawn per ticket from the seed and the ticket's number, so a
/// ticket meets the same luck in every mode and in every step of the fit.
///
/// What a calibrated run does differently from the plain model: tier 1 and tier 2 hand a ticket up
/// by these shares, not by comparing skills; someone who starts a ticket at a tier may pass it to a
/// colleague of that tier (an owner change); whoever is given a ticket at a tier starts it after a
/// queue wait; and a finished ticket is resolved after a wait for others (the caller, a change, a
/// supplier), with nobody working on it. Swarming keeps the last wait (the same work, the same
/// people, the same outside parties) and drops the rest: it has no tiers, no passing on, and
/// invitations instead of queues.
public struct Calibration: Codable, Sendable, Hashable {
    /// Share of tickets tier 1 hands up (diagnosed, then escalated by hand) instead of solving.
    public var tierOneEscalates: Double
    /// Of the tickets tier 2 starts, the share it hands on to tier 3.
    public var tierTwoEscalates: Double
    /// Chance that whoever starts a ticket at tier 1 passes it to a colleague of the tier instead.
    public var tierOnePasses: Double
    /// The same at tiers 2 and 3, at each start (a ticket can be passed more than once).
    public var higherPasses: Double
    /// The queue wait before someone given a ticket at a tier starts it, in their working hours:
    /// log-normal, median in minutes and σ of its logarithm.
    public var pickupMedian: Double
    public var pickupSigma: Double
    /// From the end of the work to the resolution, waiting on others: log-normal, median in minutes
    /// and σ of its logarithm.
    public var waitMedian: Double
    public var waitSigma: Double

    /// The most times one ticket is passed on within its tiers.
    public static let maxPasses = 6

    public init(
        tierOneEscalates: Double = 0.3, tierTwoEscalates: Double = 0.2, tierOnePasses: Double = 0.05,
        higherPasses: Double = 0.1, pickupMedian: Double = 60, pickupSigma: Double = 1.5, waitMedian: Double = 600,
        waitSigma: Double = 1.5
    ) {
        self.tierOneEscalates = tierOneEscalates
        self.tierTwoEscalates = tierTwoEscalates
        self.tierOnePasses = tierOnePasses
        self.higherPasses = higherPasses
        self.pickupMedian = pickupMedian
        self.pickupSigma = pickupSigma
        self.waitMedian = waitMedian
        self.waitSigma = waitSigma
    }

    /// The parameters' names and values, in a fixed order.
    public var values: [(name: String, value: Double)] {
        [
            ("tierOneEscalates", tierOneEscalates), ("tierTwoEscalates", tierTwoEscalates),
            ("tierOnePasses", tierOnePasses), ("higherPasses", higherPasses), ("pickupMedian", pickupMedian),
            ("pickupSigma", pickupSigma), ("waitMedian", waitMedian), ("waitSigma", waitSigma),
        ]
    }

    /// Whether every value is in its range: shares 0–1, medians 0–1 year of minutes, σ 0–5.
    public var problems: [String] {
        var problems: [String] = []
        for (name, value) in values {
            let range: ClosedRange<Double> =
                name.hasSuffix("Median") ? 0...525_600 : name.hasSuffix("Sigma") ? 0...5 : 0...1
            if !value.isFinite || !range.contains(value) {
                problems.append("\(name) is \(value), not from \(range.lowerBound) to \(range.upperBound)")
            }
        }
        return problems
    }

    /// A ticket's own uniform draw number `slot`, from the seed and its number alone.
    static func unit(seed: UInt64, ticket: Int, slot: UInt64) -> Double {
        var random = SimulationRandom(
            seed: seed ^ (UInt64(truncatingIfNeeded: ticket) &* 0xD6E8_FEB8_6659_FD93), stream: 16 + slot)
        return random.unit()
    }

    /// A ticket's own standard normal draw number `slot`.
    static func normal(seed: UInt64, ticket: Int, slot: UInt64) -> Double {
        var random = SimulationRandom(
            seed: seed ^ (UInt64(truncatingIfNeeded: ticket) &* 0xD6E8_FEB8_6659_FD93), stream: 16 + slot)
        return random.normal()
    }

    /// The draws of the log-normal waits are kept within this many σ of the median (99 % of the
    /// distribution), and the waits within ``longestWait`` minutes: an untruncated tail would leave
    /// a few tickets waiting for years.
    public static let tailSigmas = 2.576
    public static let longestWait = 180.0 * 1440

    /// Log-normal minutes for a median and σ and a standard normal draw, truncated (``tailSigmas``).
    static func minutes(median: Double, sigma: Double, normal: Double) -> Double {
        guard median > 0 else { return 0 }
        return min(longestWait, median * exp(sigma * min(tailSigmas, max(-tailSigmas, normal))))
    }
}
