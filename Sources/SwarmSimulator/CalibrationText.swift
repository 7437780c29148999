internal import Foundation
public import SwarmImport
public import SwarmMetrics
public import SwarmProtocol

/// The calibration's tables for terminals.
public enum CalibrationText {
    /// The fit: each figure real against simulated, the error, and whether it is within its target.
    public static func fit(_ rows: [FitRow]) -> String {
        func value(_ row: FitRow, _ v: Double?) -> String {
            switch row.unit {
            case "minutes": MetricsReport.duration(v)
            case "share": v.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
            default: v.map { String(format: "%.2f", $0) } ?? "—"
            }
        }
        let header = ["", "real", "simulated", "error", "target", ""]
        let body = rows.map { row in
            [
                row.figure, value(row, row.real), value(row, row.simulated),
                row.error.map { String(format: "%+.1f %%", $0 * 100) } ?? "—",
                String(format: "±%.0f %%", row.tolerance * 100),
                row.within ? "ok" : (row.note ?? "outside"),
            ]
        }
        let all = [header] + body
        let widths = (0..<header.count).map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { cells in
            cells.enumerated().map { index, cell in
                index == 0 || index == cells.count - 1
                    ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// The fitted parameters, one a line, with what each means.
    public static func parameters(_ c: Calibration) -> String {
        let lines = [
            "Fitted parameters:",
            String(format: "  tier 1 hands up          %5.1f %% of its tickets", c.tierOneEscalates * 100),
            String(format: "  tier 2 hands up          %5.1f %% of what it starts", c.tierTwoEscalates * 100),
            String(format: "  passed on at tier 1      %5.1f %% of starts", c.tierOnePasses * 100),
            String(format: "  passed on at tiers 2-3   %5.1f %% of starts", c.higherPasses * 100),
            "  queue wait per tier      median \(MetricsReport.duration(c.pickupMedian)), σ "
                + String(format: "%.2f", c.pickupSigma),
            "  wait on others at the end median \(MetricsReport.duration(c.waitMedian)), σ "
                + String(format: "%.2f", c.waitSigma),
            "Not fitted (the log records no work): service time per tier (the workload's effort × the skill factor),",
            "hand-off re-reading (--handoff-cost), coordination (--coordination), capacity (--capacity).",
        ]
        return lines.joined(separator: "\n")
    }

    /// What swarming changes and keeps, under the what-if table.
    public static func keeps(calibrated: Bool) -> String {
        var lines = [
            "Changes are each mode's run against tiered on the same seed: median of the seeds, and the 5th to 95th",
            "percentile in brackets; durations and counts in percent, shares (%) in points.",
            "Every mode keeps: the arrivals, each ticket's effort, the people, their shifts, skills and capacity.",
        ]
        if calibrated {
            lines += [
                "Calibrated: every mode also keeps the wait on others at the end. Swarm drops the tiers, the shares",
                "handed up and passed on, and the queue wait per tier: invitations reach people at once. Hybrid keeps",
                "tier 1 as tiered (its queue wait, its share handed up), then swarms.",
            ]
        }
        return lines.joined(separator: "\n")
    }
}
