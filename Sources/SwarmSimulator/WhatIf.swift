public import Foundation
public import SwarmImport
public import SwarmMetrics
public import SwarmProtocol

/// Swarm and hybrid against tiered over many seeds (docs/simulator.md, "The what-if"): for each
/// figure, the tiered value (the median over the seeds) and each other mode's change against
/// tiered on the same seed, with the median change and a 90 % interval (the 5th to 95th percentile
/// of the seeds' changes). Durations and counts change in percent, shares in percentage points.
public struct WhatIfReport: Codable, Sendable, Hashable {
    /// One mode's change in one figure.
    public struct Change: Codable, Sendable, Hashable {
        public var mode: RoutingMode
        /// The median of the seeds' changes, and the 5th and 95th percentiles.
        public var median: Double?
        public var low: Double?
        public var high: Double?
    }

    /// One figure.
    public struct Row: Codable, Sendable, Hashable {
        public var figure: String
        /// `minutes`, `count` or `share`.
        public var unit: String
        /// `relative` (a fraction of the tiered value: −0.25 is 25 % less) or `points` (a share's
        /// difference: −0.05 is 5 points less).
        public var change: String
        /// The tiered value, the median over the seeds.
        public var tiered: Double?
        public var changes: [Change]
    }

    public var seeds: [UInt64]
    public var rows: [Row]

    /// The figures compared, with their unit and an accessor.
    static let figures: [(String, String, @Sendable (ModeMetrics) -> Double?)] = [
        ("First response, median", "minutes", { $0.firstResponse.median }),
        ("Time to resolve, median", "minutes", { $0.resolve.median }),
        ("Time to resolve, p90", "minutes", { $0.resolve.p90 }),
        ("Time to resolve, mean", "minutes", { $0.resolve.mean }),
        ("Hand-offs per ticket", "count", { $0.handoffsPerTicket }),
        ("Agents per ticket", "count", { $0.agentsPerTicket }),
        ("First-contact resolution", "share", { $0.firstContactResolutionRate }),
        ("Escalation rate", "share", { $0.escalationRate }),
        ("SLA breach rate", "share", { $0.slaBreachRate }),
        ("Effort per ticket", "minutes", { $0.effortPerTicket }),
        ("Utilisation", "share", { $0.utilisation }),
        ("Backlog (open)", "count", { Double($0.backlog) }),
    ]

    /// The report of runs: one entry per seed, each the modes' metrics of that seed (tiered among them).
    public init(seeds: [UInt64], runs: [[ModeMetrics]]) {
        self.seeds = seeds
        let others = (runs.first ?? []).map(\.mode).filter { $0 != .tiered }
        rows = Self.figures.map { name, unit, value in
            let relative = unit != "share"
            let tiered = runs.map { run in run.first { $0.mode == .tiered }.flatMap(value) }
            var changes: [Change] = []
            for mode in others {
                var deltas: [Double] = []
                for (index, run) in runs.enumerated() {
                    guard let base = tiered[index], let other = run.first(where: { $0.mode == mode }).flatMap(value)
                    else { continue }
                    if relative {
                        if base != 0 { deltas.append((other - base) / base) }
                    } else {
                        deltas.append(other - base)
                    }
                }
                changes.append(
                    Change(
                        mode: mode, median: Self.quantile(deltas, 0.5), low: Self.quantile(deltas, 0.05),
                        high: Self.quantile(deltas, 0.95)))
            }
            return Row(
                figure: name, unit: unit, change: relative ? "relative" : "points",
                tiered: Self.quantile(tiered.compactMap { $0 }, 0.5), changes: changes)
        }
    }

    /// The `q` quantile, interpolated between the sorted values (the usual "type 7"); `nil` for none.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(sorted.count - 1, below + 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    /// The table for terminals.
    public func table() -> String {
        let modes = rows.first?.changes.map(\.mode) ?? []
        let header = ["", "tiered"] + modes.map { "\($0.rawValue) vs tiered [90 % interval]" }
        func value(_ row: Row, _ v: Double?) -> String {
            switch row.unit {
            case "minutes": MetricsReport.duration(v)
            case "share": v.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
            default: v.map { String(format: "%.2f", $0) } ?? "—"
            }
        }
        func change(_ row: Row, _ c: Change) -> String {
            guard let median = c.median, let low = c.low, let high = c.high else { return "—" }
            func signed(_ x: Double) -> String {
                let text = String(format: "%.1f", x * 100)
                return x > 0 && text != "0.0" ? "+" + text : text == "-0.0" ? "0.0" : text
            }
            let unit = row.change == "relative" ? " %" : " pt"
            return "\(signed(median))\(unit) [\(signed(low)), \(signed(high))]"
        }
        let body = rows.map { row in [row.figure, value(row, row.tiered)] + row.changes.map { change(row, $0) } }
        let all = [header] + body
        let widths = (0..<header.count).map { column in all.map { $0[column].count }.max() ?? 0 }
        let lines = all.map { cells in
            cells.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as CSV: one row per figure and mode.
    public func csv() -> String {
        var out = "figure,unit,change,tiered,mode,median,low,high\n"
        for row in rows {
            for c in row.changes {
                let fields = [
                    row.figure, row.unit, row.change, Self.number(row.tiered), c.mode.rawValue, Self.number(c.median),
                    Self.number(c.low), Self.number(c.high),
                ]
                out += fields.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// A number as the CSV outputs write it: up to four decimals, empty for none.
    public static func csvNumber(_ value: Double?) -> String { number(value) }

    static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}

/// The file `swarmd simulate --calibrate` writes and `--parameters` reads: the fitted parameters,
/// with the fit and what it was fitted on, as JSON.
public struct CalibrationFile: Codable, Sendable, Hashable {
    /// What the file is, for whoever opens it.
    public var about: String? =
        "swarmd simulate calibration (docs/simulator.md, \"Calibration\"); the parameters may be edited"
    public var history: String?
    public var workload: String?
    public var staff: String?
    public var seed: UInt64
    public var parameters: Calibration
    public var fit: [FitRow]
    /// Each round of the fit, when written by `--calibrate`.
    public var rounds: [CalibrationResult.Round]?

    public init(
        history: String?, workload: String?, staff: String?, seed: UInt64, parameters: Calibration, fit: [FitRow],
        rounds: [CalibrationResult.Round]? = nil
    ) {
        self.rounds = rounds
        self.history = history
        self.workload = workload
        self.staff = staff
        self.seed = seed
        self.parameters = parameters
        self.fit = fit
    }

    /// The file's bytes: keys sorted, so the same fit gives the same file.
    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads a file; every problem is an ``InputFileError`` naming it.
    public static func load(path: String) throws(InputFileError) -> CalibrationFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputFileError(file: path, problems: [LineProblem(line: 0, message: "cannot read the file")])
        }
        let file: CalibrationFile
        do {
            file = try JSONDecoder().decode(CalibrationFile.self, from: data)
        } catch {
            throw InputFileError(
                file: path,
                problems: [
                    LineProblem(
                        line: 0,
                        message: "not a calibration file (JSON with 'parameters', as --calibrate writes): \(error)")
                ])
        }
        let problems = file.parameters.problems
        guard problems.isEmpty else {
            throw InputFileError(
                file: path, problems: problems.map { LineProblem(line: 0, message: "parameters: \($0)") })
        }
        return file
    }
}
