internal import Foundation
public import SwarmCore
public import SwarmImport
public import SwarmMetrics
public import SwarmProtocol

/// A discrete-event simulation of a support team working a workload (docs/simulator.md).
///
/// Every change goes through `SwarmState.decide` and `apply`, issued by the principal a live hub
/// would see — the requester opens tickets, agents answer invitations, comment, take tickets on,
/// log their minutes, escalate and resolve as themselves, and the hub's own commands (connections,
/// timers) come from `Principal.system` — so the events are exactly those a hub would log, and the
/// metrics code reads them as it reads a real log. Timers fire by deciding `tick` at the state's
/// `nextDeadline`. Happenings (arrivals, shifts, answers, work finishing) wait in a time-ordered
/// queue; nothing iterates a `Dictionary` or `Set` in an order that matters, so the same inputs and
/// seed give the same events, byte for byte.
public struct Simulator: Sendable {
    public let workload: [WorkloadItem]
    public let staff: [StaffMember]
    public let settings: SwarmSettings
    public let options: SimulationOptions

    public init(workload: [WorkloadItem], staff: [StaffMember], settings: SwarmSettings, options: SimulationOptions) {
        self.workload = workload
        self.staff = staff
        self.settings = settings
        self.options = options
    }

    /// Runs the simulation, handing every event to `sink` in log order as soon as it is decided
    /// (nothing is kept, so memory does not grow with the events).
    public func run(_ sink: (SwarmEvent) -> Void) -> SimulationSummary {
        var engine = SimulationEngine(workload: workload, staff: staff, settings: settings, options: options)
        return engine.run(sink)
    }

    /// Runs the simulation and returns its events (for tests and small runs).
    public func events() -> (events: [SwarmEvent], summary: SimulationSummary) {
        var events: [SwarmEvent] = []
        let summary = run { events.append($0) }
        return (events, summary)
    }

    /// Checks a workload file's skills against `taxonomy` (``Workload/parse(_:file:)`` checks only
    /// their spelling): every tag the taxonomy does not know, with its line.
    public static func checkSkills(_ text: String, file: String, taxonomy: Taxonomy) throws(InputFileError) {
        guard let rows = try? CSVRows.read(text), let header = rows.first,
            let column = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == "skills" })
        else { return }
        var problems: [LineProblem] = []
        for (offset, row) in rows.dropFirst().enumerated() where column < row.count {
            for tag in row[column].split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
            where !tag.isEmpty && taxonomy.resolve(tag) == nil {
                problems.append(LineProblem(line: offset + 2, message: "skill '\(tag)' is not a tag of the taxonomy"))
            }
        }
        guard problems.isEmpty else { throw InputFileError(file: file, problems: problems) }
    }

    /// Whether every skill of a workload is a tag (or synonym) of `taxonomy`; the names of those that are not.
    public static func unknownSkills(in workload: [WorkloadItem], taxonomy: Taxonomy) -> [String] {
        var unknown: [String] = []
        for item in workload {
            for tag in item.skills where taxonomy.resolve(tag) == nil && !unknown.contains(tag) { unknown.append(tag) }
        }
        return unknown
    }
}

// MARK: - The engine
