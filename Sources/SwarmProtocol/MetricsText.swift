internal import Foundation

extension MetricsReport {
    /// The report's modes side by side, one row per figure, for terminals
    /// (`swarm metrics --compare`, `swarmd simulate`, `swarmd import`).
    public func table() -> String {
        Self.sideBySide(modes.map { ($0.mode.rawValue, $0.figures) })
    }

    /// The figures by how tickets came in, side by side: one column per way that brought at least
    /// one counted ticket (`swarm metrics`); empty when none did.
    public func viaTable() -> String {
        let columns = byVia.filter { $0.opened > 0 }.map { ($0.via.rawValue, $0.figures) }
        return columns.isEmpty ? "" : Self.sideBySide(columns)
    }

    /// Columns of figures under their headers, one row per figure.
    static func sideBySide(_ columns: [(header: String, figures: TicketFigures)]) -> String {
        var rows: [(String, [String])] = []
        func row(_ label: String, _ value: (TicketFigures) -> String) {
            rows.append((label, columns.map { value($0.figures) }))
        }
        row("Tickets opened") { String($0.opened) }
        row("Resolved") { String($0.resolved) }
        row("Backlog (open)") { String($0.backlog) }
        row("Backlog age, median") { Self.duration($0.backlogAge.median) }
        row("First response, median") { Self.duration($0.firstResponse.median) }
        row("First response, p90") { Self.duration($0.firstResponse.p90) }
        row("Time to resolve, median") { Self.duration($0.resolve.median) }
        row("Time to resolve, p90") { Self.duration($0.resolve.p90) }
        row("Time to resolve, mean") { Self.duration($0.resolve.mean) }
        row("Hand-offs per ticket") { Self.decimal($0.handoffsPerTicket) }
        row("  tier changes") { String($0.tierChanges) }
        row("  owner changes") { String($0.ownerChanges) }
        row("Agents per ticket") { Self.decimal($0.agentsPerTicket) }
        row("Collaboration rate") { Self.percent($0.collaborationRate) }
        row("First-contact resolution") { Self.percent($0.firstContactResolutionRate) }
        row("Reopen rate") { Self.percent($0.reopenRate) }
        row("Escalation rate") { Self.percent($0.escalationRate) }
        row("SLA breach rate") { Self.percent($0.slaBreachRate) }
        row("Deflection rate (tier 0)") { Self.percent($0.deflectionRate) }
        row("Effort per ticket") { Self.duration($0.effortPerTicket) }
        row("Utilisation") { Self.percent($0.utilisation) }
        let header = ("", columns.map(\.header))
        let labelWidth = ([header] + rows).map(\.0.count).max() ?? 0
        let width = max(10, ([header] + rows).flatMap(\.1).map(\.count).max() ?? 0)
        func line(_ label: String, _ cells: [String]) -> String {
            let padded = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            let values = cells.map { String(repeating: " ", count: max(0, width - $0.count)) + $0 }
            return ([padded] + values).joined(separator: "  ")
        }
        return ([line(header.0, header.1)] + rows.map { line($0.0, $0.1) }).joined(separator: "\n") + "\n"
    }

    /// The CSV columns: one row per mode, then one per way in (``Via``), whose `mode` is empty and
    /// whose `via`, the last column, names it (a mode's row has no `via`).
    public static let csvColumns = [
        "mode", "opened", "resolved", "backlog", "backlog_age_median", "backlog_age_p90", "backlog_age_mean",
        "first_response_count", "first_response_median", "first_response_p90", "first_response_mean",
        "resolve_count", "resolve_median", "resolve_p90", "resolve_mean", "handoffs", "handoffs_per_ticket",
        "tier_changes", "owner_changes", "agents_per_ticket", "collaboration_rate", "first_contact_resolution_rate",
        "reopen_rate",
        "escalation_rate", "sla_breach_rate", "deflection_rate", "effort_minutes", "effort_per_ticket",
        "utilisation", "via",
    ]

    /// The report as CSV: a header, one row per mode, then one per way in; minutes and rates with up
    /// to four decimals, empty where a figure has no value.
    public func csv() -> String {
        var out = Self.csvColumns.joined(separator: ",") + "\n"
        for m in modes { out += ([m.mode.rawValue] + Self.csvFields(m.figures) + [""]).joined(separator: ",") + "\n" }
        for v in byVia { out += ([""] + Self.csvFields(v.figures) + [v.via.rawValue]).joined(separator: ",") + "\n" }
        return out
    }

    /// The figures of one CSV row, from `opened` to `utilisation`.
    static func csvFields(_ m: TicketFigures) -> [String] {
        [String(m.opened), String(m.resolved), String(m.backlog)]
            + [m.backlogAge.median, m.backlogAge.p90, m.backlogAge.mean].map(Self.number)
            + [String(m.firstResponse.count)]
            + [m.firstResponse.median, m.firstResponse.p90, m.firstResponse.mean].map(Self.number)
            + [String(m.resolve.count)] + [m.resolve.median, m.resolve.p90, m.resolve.mean].map(Self.number)
            + [String(m.handoffs), Self.number(m.handoffsPerTicket), String(m.tierChanges), String(m.ownerChanges)]
            + [
                m.agentsPerTicket, m.collaborationRate, m.firstContactResolutionRate, m.reopenRate,
                m.escalationRate, m.slaBreachRate, m.deflectionRate,
            ].map(Self.number)
            + [String(m.effortMinutes), Self.number(m.effortPerTicket), Self.number(m.utilisation)]
    }

    /// `42m`, `3h 5m`, `2d 4h`, `40s` under a minute; `—` for none.
    public static func duration(_ minutes: Double?) -> String {
        guard let minutes else { return "—" }
        let total = Int(minutes.rounded())
        if minutes == 0 { return "0m" }
        if minutes < 1 { return "\(max(1, Int((minutes * 60).rounded())))s" }
        if total < 60 { return "\(total)m" }
        if total < 1440 { return "\(total / 60)h \(total % 60)m" }
        return "\(total / 1440)d \(total % 1440 / 60)h"
    }

    static func percent(_ rate: Double?) -> String { rate.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
    static func decimal(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "—" }
    static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
