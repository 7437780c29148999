internal import Foundation
public import SwarmCore
public import SwarmImport
public import SwarmMetrics
public import SwarmProtocol

/// The figures of a history that a calibration fits (docs/simulator.md, "Calibration"), in minutes
/// and shares: what the import's baseline says happened.
public struct CalibrationTarget: Codable, Sendable, Hashable {
    public var resolveMedian: Double
    public var resolveP90: Double
    public var firstResponseMedian: Double
    public var firstResponseP90: Double
    public var firstContactResolution: Double
    public var escalationRate: Double
    public var handoffsPerTicket: Double
    /// Of the escalated tickets, the share that reached a third tier (a second hand-up), when known.
    public var tierThreeShare: Double?

    public init(
        resolveMedian: Double, resolveP90: Double, firstResponseMedian: Double, firstResponseP90: Double,
        firstContactResolution: Double, escalationRate: Double, handoffsPerTicket: Double, tierThreeShare: Double?
    ) {
        self.resolveMedian = resolveMedian
        self.resolveP90 = resolveP90
        self.firstResponseMedian = firstResponseMedian
        self.firstResponseP90 = firstResponseP90
        self.firstContactResolution = firstContactResolution
        self.escalationRate = escalationRate
        self.handoffsPerTicket = handoffsPerTicket
        self.tierThreeShare = tierThreeShare
    }

    /// The figures of one mode of a report; `nil` if one of them is missing (nothing resolved).
    public init?(_ metrics: ModeMetrics, tierThreeShare: Double? = nil) {
        guard let resolveMedian = metrics.resolve.median, let resolveP90 = metrics.resolve.p90,
            let responseMedian = metrics.firstResponse.median, let responseP90 = metrics.firstResponse.p90,
            let fcr = metrics.firstContactResolutionRate, let escalation = metrics.escalationRate,
            let handoffs = metrics.handoffsPerTicket
        else { return nil }
        self.init(
            resolveMedian: resolveMedian, resolveP90: resolveP90, firstResponseMedian: responseMedian,
            firstResponseP90: responseP90, firstContactResolution: fcr, escalationRate: escalation,
            handoffsPerTicket: handoffs, tierThreeShare: tierThreeShare)
    }

    /// The same figures for the import's incidents: the share of escalated incidents whose group
    /// changed twice or more (the history's tiers above the second).
    public static func tierThreeShare(of incidents: [ServiceNowIncident]) -> Double? {
        let escalated = incidents.count { $0.groupChanges > 0 }
        guard escalated > 0 else { return nil }
        return Double(incidents.count { $0.groupChanges > 1 }) / Double(escalated)
    }
}

/// One figure of a fit: the history's value, the simulation's, the error and its tolerance.
public struct FitRow: Codable, Sendable, Hashable {
    /// A name as in the metrics table (`Time to resolve, median`).
    public var figure: String
    public var real: Double?
    public var simulated: Double?
    /// `minutes` or `share` (0–1) or `count` (per ticket).
    public var unit: String
    /// (simulated − real) ÷ real; `nil` when either is missing or real is 0.
    public var error: Double?
    /// The largest error the fit aims for: 0.15, or 0.30 for first response.
    public var tolerance: Double
    public var within: Bool
    /// Why it cannot be fitted, when so.
    public var note: String?
}

/// What a calibration found: the parameters, the fit, and what it took.
public struct CalibrationResult: Codable, Sendable, Hashable {
    public var parameters: Calibration
    public var fit: [FitRow]
    /// Simulated runs the fit took, and the round whose parameters were kept.
    public var runs: Int
    public var keptRound: Int
    /// The simulated tiered run's figures with the kept parameters.
    public var simulated: CalibrationTarget?
    /// Every round: its parameters and its total error (the sum of each error squared over its tolerance squared).
    public var trace: [Round] = []

    /// One round of the fit.
    public struct Round: Codable, Sendable, Hashable {
        public var parameters: Calibration
        public var loss: Double
        public var simulated: CalibrationTarget?
    }
}

/// Fits a ``Calibration`` so that the simulated tiered run of a workload reproduces a history's
/// figures (docs/simulator.md, "Calibration"). Starts from what the figures say directly (the
/// share escalated is tier 1's share to escalate; the queue wait is the first response; …) and
/// corrects each parameter by the error of the figure it governs, one simulated run per round;
/// every ticket keeps its own random draws from round to round, so the figures move smoothly. The
/// round with the smallest total error is kept.
public struct Calibrator: Sendable {
    public var workload: [WorkloadItem]
    public var staff: [StaffMember]
    /// Settings as for the simulation; time-based escalation is switched off by ``settingsForCalibration(_:)``.
    public var settings: SwarmSettings
    public var options: SimulationOptions
    public var target: CalibrationTarget
    public var rounds = 20

    public init(
        workload: [WorkloadItem], staff: [StaffMember], settings: SwarmSettings, options: SimulationOptions,
        target: CalibrationTarget
    ) {
        self.workload = workload
        self.staff = staff
        self.settings = settings
        self.options = options
        self.target = target
    }

    /// The tolerances of issue 15: ±15 %, first response ±30 %.
    public static let tolerance = 0.15
    public static let responseTolerance = 0.30

    /// A calibrated run's settings: the history's hand-ups are by hand (the calibration's shares),
    /// so no tier's time limit hands a ticket up by itself.
    public static func settingsForCalibration(_ settings: SwarmSettings) -> SwarmSettings {
        var settings = settings
        settings.defaultQueue.tierLimits = [:]
        settings.defaultQueue.priorityLimits = [:]
        for name in settings.queues.keys.sorted() {
            settings.queues[name]?.tierLimits = [:]
            settings.queues[name]?.priorityLimits = [:]
        }
        return settings
    }

    /// The first guess, from the figures alone.
    public func initialGuess() -> Calibration {
        let t = target
        let z90 = 1.2816
        let escalate = clamp(t.escalationRate)
        let tierTwo = clamp(t.tierThreeShare ?? 0.3)
        let tierOnePasses = clamp((1 - t.firstContactResolution - escalate) / max(0.05, 1 - escalate))
        let tierChanges = escalate * (1 + tierTwo)
        let passesAbove = max(0, t.handoffsPerTicket - tierChanges - tierOnePasses * (1 - escalate))
        let higher = clamp(passesAbove / max(0.05, escalate * (1 + tierTwo) + passesAbove))
        let pickupMedian = max(1, t.firstResponseMedian)
        let pickupSigma = min(5, max(0.1, log(max(t.firstResponseP90, pickupMedian * 1.01) / pickupMedian) / z90))
        let waitMedian = max(1, t.resolveMedian - t.firstResponseMedian)
        let waitSigma = min(5, max(0.1, log(max(t.resolveP90, t.resolveMedian * 1.01) / t.resolveMedian) / z90))
        return Calibration(
            tierOneEscalates: escalate, tierTwoEscalates: tierTwo, tierOnePasses: tierOnePasses,
            higherPasses: higher, pickupMedian: pickupMedian, pickupSigma: pickupSigma, waitMedian: waitMedian,
            waitSigma: waitSigma)
    }

    /// The tiered run's figures with `calibration`.
    public func simulate(_ calibration: Calibration) -> ModeMetrics {
        var each = options
        each.mode = .tiered
        each.calibration = calibration
        let simulator = Simulator(
            workload: workload, staff: staff, settings: Self.settingsForCalibration(settings), options: each)
        var collector = MetricsCollector()
        var seq: Int64 = 0
        let summary = simulator.run { event in
            seq += 1
            collector.add(event, seq: seq)
        }
        let report = collector.report(MetricsQuery(mode: .tiered), now: summary.end)
        return report.modes.first { $0.mode == .tiered } ?? ModeMetrics(mode: .tiered)
    }

    /// Runs the fit.
    public func calibrate() -> CalibrationResult {
        var current = initialGuess()
        var best: (loss: Double, parameters: Calibration, metrics: ModeMetrics, round: Int)?
        var runs = 0
        var trace: [CalibrationResult.Round] = []
        for round in 1...max(1, rounds) {
            let metrics = simulate(current)
            runs += 1
            let rows = Self.rows(target: target, simulated: metrics)
            let loss = rows.reduce(0.0) { total, row in
                guard let error = row.error else { return total + 1 }
                return total + (error / row.tolerance) * (error / row.tolerance)
            }
            trace.append(.init(parameters: current, loss: loss, simulated: CalibrationTarget(metrics)))
            if best.map({ loss < $0.loss }) ?? true { best = (loss, current, metrics, round) }
            // Good enough: every figure within a tenth of its tolerance (further rounds only chase noise).
            if rows.allSatisfy({ abs($0.error ?? 1) <= $0.tolerance / 10 }) { break }
            current = corrected(current, by: metrics)
        }
        let kept = best ?? (0, current, ModeMetrics(mode: .tiered), 0)
        return CalibrationResult(
            parameters: kept.parameters, fit: Self.rows(target: target, simulated: kept.metrics), runs: runs,
            keptRound: kept.round, simulated: CalibrationTarget(kept.metrics), trace: trace)
    }

    /// Each parameter moved by the error of the figure it governs.
    func corrected(_ c: Calibration, by metrics: ModeMetrics) -> Calibration {
        var next = c
        let t = target
        let z90 = 1.2816
        if let escalation = metrics.escalationRate {
            next.tierOneEscalates = clamp(c.tierOneEscalates + (t.escalationRate - escalation))
        }
        if let fcr = metrics.firstContactResolutionRate {
            next.tierOnePasses = clamp(
                c.tierOnePasses + (fcr - t.firstContactResolution) / max(0.05, 1 - c.tierOneEscalates))
        }
        if let handoffs = metrics.handoffsPerTicket {
            next.higherPasses = clamp(
                c.higherPasses + 0.7 * (t.handoffsPerTicket - handoffs) / max(0.05, 2 * c.tierOneEscalates))
        }
        if let median = metrics.firstResponse.median, let p90 = metrics.firstResponse.p90, median > 0 {
            next.pickupMedian = min(525_600, max(0, c.pickupMedian * pow(t.firstResponseMedian / median, 0.9)))
            let spread = log(max(t.firstResponseP90, 1) / max(t.firstResponseMedian, 1))
            let simulatedSpread = log(max(p90, 1) / max(median, 1))
            next.pickupSigma = min(5, max(0, c.pickupSigma + 0.5 * (spread - simulatedSpread) / z90))
        }
        if let median = metrics.resolve.median, let p90 = metrics.resolve.p90, median > 0 {
            // The wait governs what the resolution takes beyond the first response (the queue wait's part).
            let response = metrics.firstResponse.median ?? 0
            let wanted = max(1, t.resolveMedian - t.firstResponseMedian)
            let got = max(1, median - response)
            next.waitMedian = min(525_600, max(0, c.waitMedian * pow(wanted / got, 0.9)))
            let spread = log(max(t.resolveP90, 1) / max(t.resolveMedian, 1))
            let simulatedSpread = log(max(p90, 1) / max(median, 1))
            next.waitSigma = min(5, max(0, c.waitSigma + 0.5 * (spread - simulatedSpread) / z90))
        }
        return next
    }

    /// The fit table: each figure real against simulated.
    public static func rows(target t: CalibrationTarget, simulated m: ModeMetrics) -> [FitRow] {
        func row(_ figure: String, _ real: Double?, _ simulated: Double?, _ unit: String, _ tolerance: Double)
            -> FitRow
        {
            var error: Double?
            if let real, let simulated, real != 0 { error = (simulated - real) / real }
            return FitRow(
                figure: figure, real: real, simulated: simulated, unit: unit, error: error, tolerance: tolerance,
                within: error.map { abs($0) <= tolerance } ?? false, note: nil)
        }
        return [
            row("Time to resolve, median", t.resolveMedian, m.resolve.median, "minutes", tolerance),
            row("Time to resolve, p90", t.resolveP90, m.resolve.p90, "minutes", tolerance),
            row("First-contact resolution", t.firstContactResolution, m.firstContactResolutionRate, "share", tolerance),
            row("Escalation rate", t.escalationRate, m.escalationRate, "share", tolerance),
            row("Hand-offs per ticket", t.handoffsPerTicket, m.handoffsPerTicket, "count", tolerance),
            row("First response, median", t.firstResponseMedian, m.firstResponse.median, "minutes", responseTolerance),
            row("First response, p90", t.firstResponseP90, m.firstResponse.p90, "minutes", responseTolerance),
        ]
    }
}

private func clamp(_ value: Double) -> Double { value.isFinite ? min(1, max(0, value)) : 0 }
