internal import Foundation
public import SwarmProtocol

/// What `swarmd import servicenow` reports about an import besides the metrics: how many rows and
/// incidents, which rows were malformed, and the source's own counts beside the translation's, so a
/// lead can check the translation (docs/import.md).
public struct ServiceNowSummary: Codable, Sendable, Hashable {
    /// A malformed row.
    public struct Problem: Codable, Sendable, Hashable {
        public var line: Int
        public var message: String
    }

    /// The counts ServiceNow kept itself, over the imported incidents.
    public struct SourceCounts: Codable, Sendable, Hashable {
        /// Sum of each incident's highest `reassignment_count`.
        public var reassignments = 0
        /// Sum of each incident's highest `reopen_count`, and how many incidents have one.
        public var reopens = 0
        public var reopenedIncidents = 0
        /// Incidents whose last row says `made_sla` TRUE, of those whose last row says TRUE or FALSE.
        public var slaMet = 0
        public var slaKnown = 0
    }

    /// The same figures counted from the translated events.
    public struct TranslatedCounts: Codable, Sendable, Hashable {
        /// `ticket.escalated` events: one per change of `assignment_group`.
        public var groupChanges = 0
        /// `owner.removed` while open: `assigned_to` changed within a group.
        public var ownerChanges = 0
        public var reopens = 0
        public var reopenedIncidents = 0
        /// Incidents without an `sla.breached`.
        public var slaMet = 0
    }

    /// An incident whose source count and translated count differ.
    public struct Difference: Codable, Sendable, Hashable {
        public var number: String
        /// `reassignments`, `reopens` or `sla`.
        public var figure: String
        public var source: Int
        public var translated: Int
    }

    /// The workload written.
    public struct WorkloadInfo: Codable, Sendable, Hashable {
        public var path: String?
        public var items: Int
        public var effortMinutes: Int
        public var effortMedian: Double?
        public var effortMean: Double?
    }

    public var file: String
    /// The data set names no time zone; the times are read as UTC.
    public var timeZone = "UTC"
    public var rowsRead: Int
    public var rowsUsed: Int
    public var malformedRows: Int
    /// The malformed rows (the first 1000).
    public var problems: [Problem]
    /// Incidents whose every row was malformed.
    public var skippedIncidents: [String]
    public var incidents: Int
    public var events: Int
    public var firstOpened: Timestamp?
    public var lastOpened: Timestamp?
    public var lastUpdate: Timestamp?
    public var lateRows: Int
    public var ignoredStates: Int
    public var source: SourceCounts
    public var translated: TranslatedCounts
    public var differences: [Difference]
    public var workload: WorkloadInfo
    /// The staff inferred, when it was: where it went, how many people and teams by tier.
    public var staff: StaffInfo?
    /// CSI's rule of thumb for when swarming pays, on this history.
    public var fit: SwarmingFit

    /// The staff file written.
    public struct StaffInfo: Codable, Sendable, Hashable {
        public var path: String?
        public var people: Int
        /// Teams (assignment groups) at tier 1, 2 and 3, and the people seen at each tier.
        public var teamsByTier: [Int]
        public var peopleByTier: [Int]
    }

    /// Sums up an import; `workloadPath` is where its workload was written, if it was, and `staff`
    /// what was inferred of the team, written to `staffPath`.
    public init(
        _ imported: ServiceNowImport, workloadPath: String? = nil, staff: ServiceNowStaff? = nil,
        staffPath: String? = nil
    ) {
        fit = SwarmingFit(imported.incidents)
        self.staff = staff.map { staff in
            StaffInfo(
                path: staffPath, people: staff.members.count,
                teamsByTier: (1...3).map { tier in staff.teams.count { $0.tier == tier } },
                peopleByTier: (1...3).map { tier in staff.members.count { $0.tiers.contains(tier) } })
        }
        file = imported.file
        rowsRead = imported.rowsRead
        malformedRows = imported.problems.count
        rowsUsed = imported.rowsRead - imported.problems.count
        problems = imported.problems.prefix(1000).map { Problem(line: $0.line, message: $0.message) }
        skippedIncidents = imported.skippedIncidents
        incidents = imported.incidents.count
        events = imported.events.count
        firstOpened = imported.incidents.map(\.openedAt).min()
        lastOpened = imported.incidents.map(\.openedAt).max()
        lastUpdate = imported.incidents.map(\.lastUpdate).max()
        lateRows = imported.lateRows
        ignoredStates = imported.ignoredStates
        var source = SourceCounts()
        var translated = TranslatedCounts()
        var differences: [Difference] = []
        for incident in imported.incidents {
            source.reassignments += incident.sourceReassignments
            source.reopens += incident.sourceReopens
            if incident.sourceReopens > 0 { source.reopenedIncidents += 1 }
            if let made = incident.sourceMadeSLA {
                source.slaKnown += 1
                if made { source.slaMet += 1 }
            }
            translated.groupChanges += incident.groupChanges
            translated.ownerChanges += incident.ownerChanges
            translated.reopens += incident.reopens
            if incident.reopens > 0 { translated.reopenedIncidents += 1 }
            if !incident.breached { translated.slaMet += 1 }
            func differ(_ figure: String, _ source: Int, _ translated: Int) {
                guard source != translated else { return }
                differences.append(
                    Difference(number: incident.number, figure: figure, source: source, translated: translated))
            }
            differ("reassignments", incident.sourceReassignments, incident.groupChanges)
            differ("reopens", incident.sourceReopens, incident.reopens)
            if let made = incident.sourceMadeSLA { differ("sla", made ? 0 : 1, incident.breached ? 1 : 0) }
        }
        self.source = source
        self.translated = translated
        self.differences = differences
        let efforts = imported.incidents.map(\.effortMinutes).sorted()
        let total = efforts.reduce(0, +)
        workload = WorkloadInfo(
            path: workloadPath, items: efforts.count, effortMinutes: total,
            effortMedian: efforts.isEmpty
                ? nil
                : efforts.count.isMultiple(of: 2)
                    ? Double(efforts[efforts.count / 2 - 1] + efforts[efforts.count / 2]) / 2
                    : Double(efforts[efforts.count / 2]),
            effortMean: efforts.isEmpty ? nil : Double(total) / Double(efforts.count))
    }

    /// The summary for people: counts, the first `shownProblems` malformed rows, and the source's
    /// counts beside the translation's.
    public func text(shownProblems: Int = 20) -> String {
        var out: [String] = []
        out.append("Read \(ServiceNowLog.printable(file)) as a ServiceNow incident event log (times taken as UTC).")
        out.append(
            "  rows       \(rowsRead) read, \(rowsUsed) used, \(malformedRows) malformed"
                + (skippedIncidents.isEmpty
                    ? "" : "; \(skippedIncidents.count) incident(s) skipped, every row malformed"))
        if let firstOpened, let lastOpened, let lastUpdate {
            out.append(
                "  incidents  \(incidents), opened \(Self.minute(firstOpened)) to \(Self.minute(lastOpened)); "
                    + "last update \(Self.minute(lastUpdate))")
        }
        out.append(
            "  events     \(events), tickets in the tiered queue '\(ServiceNowImport.queue)' (T-<number of the incident>)"
        )
        if lateRows > 0 {
            let ignored =
                ignoredStates > 0
                ? " (\(ignoredStates) would have reopened a finished incident: that state is ignored)" : ""
            out.append("  late rows  \(lateRows) stamped before the update they follow, taken at its time" + ignored)
        }
        if !problems.isEmpty {
            out.append("")
            out.append("Malformed rows (skipped):")
            for problem in problems.prefix(shownProblems) { out.append("  line \(problem.line): \(problem.message)") }
            if malformedRows > shownProblems { out.append("  … and \(malformedRows - shownProblems) more") }
        }
        if !skippedIncidents.isEmpty {
            let shown = skippedIncidents.prefix(10).map { ServiceNowLog.printable($0) }.joined(separator: ", ")
            out.append(
                "Skipped incidents (every row malformed): \(shown)\(skippedIncidents.count > 10 ? ", …" : "")")
        }
        out.append("")
        out.append("The source's own counts, and the same counted from the translated events:")
        let rows: [[String]] = [
            ["", "ServiceNow", "translated"],
            [
                "hand-offs",
                "\(source.reassignments) reassignments (\(Self.perIncident(source.reassignments, incidents)))",
                "\(translated.groupChanges) group changes (\(Self.perIncident(translated.groupChanges, incidents)))",
            ],
            [
                "reopens", "\(source.reopens) in \(source.reopenedIncidents) incidents",
                "\(translated.reopens) in \(translated.reopenedIncidents) incidents",
            ],
            [
                "SLA met", "\(source.slaMet) of \(source.slaKnown) (\(Self.percent(source.slaMet, source.slaKnown)))",
                "\(translated.slaMet) of \(incidents) (\(Self.percent(translated.slaMet, incidents)))",
            ],
            ["owner changes", "-", "\(translated.ownerChanges) (assigned_to changed within a group)"],
        ]
        out += Self.table(rows).map { "  " + $0 }
        if differences.isEmpty {
            out.append("  Every incident's counts agree.")
        } else {
            let incidentsDiffering = Set(differences.map(\.number)).count
            let shown = differences.prefix(8).map {
                "\(ServiceNowLog.printable($0.number)) \($0.figure) \($0.source) vs \($0.translated)"
            }
            out.append(
                "  \(incidentsDiffering) incident(s) differ: \(shown.joined(separator: ", "))"
                    + (differences.count > 8 ? ", …" : ""))
            if differences.contains(where: { $0.figure == "reassignments" }) {
                out.append(
                    "  (reassignment_count also counts a group chosen again, or one unknown group '?' replaced by another,"
                )
                out.append("  which the rows cannot show.)")
            }
            out.append("  See docs/import.md, \"Checking the translation\".")
        }
        return out.joined(separator: "\n")
    }

    /// The workload lines: where it went and its effort, and how to replay it.
    public func workloadText() -> String {
        let median = workload.effortMedian.map { Self.number($0) } ?? "-"
        let mean = workload.effortMean.map { Self.number($0) } ?? "-"
        var out = [
            "Workload: \(workload.items) incidents, effort per incident median \(median) min, mean \(mean) min, "
                + "\(Self.number(Double(workload.effortMinutes) / 60)) h in all"
        ]
        if let path = workload.path { out.append("  written to \(path)") }
        if let staff {
            out.append(
                "Staff: \(staff.people) people in \(staff.teamsByTier.reduce(0, +)) teams (assignment groups); "
                    + "teams at tier 1, 2, 3: \(staff.teamsByTier.map(String.init).joined(separator: ", ")); "
                    + "people working each: \(staff.peopleByTier.map(String.init).joined(separator: ", "))")
            if let path = staff.path {
                out.append("  written to \(path) (inferred: docs/import.md, \"The staff\"; edit it freely)")
            }
        }
        if let path = workload.path {
            let team = staff?.path ?? "samples/staff.csv"
            out.append(
                "  calibrate: swarmd simulate --workload \(path) --staff \(team) --calibrate --history \(ServiceNowLog.printable(file))"
            )
            out.append(
                "  then:      swarmd simulate --workload \(path) --staff \(team) --parameters calibration.json --mode all"
            )
        }
        out.append("")
        out.append(fit.text())
        return out.joined(separator: "\n")
    }

    static func minute(_ time: Timestamp) -> String {
        let text = time.description
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }

    static func perIncident(_ count: Int, _ incidents: Int) -> String {
        incidents == 0 ? "-" : String(format: "%.2f", Double(count) / Double(incidents)) + "/incident"
    }

    static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "-" : String(format: "%.1f %%", Double(part) * 100 / Double(whole))
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func table(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "   ")
        }
    }
}
