import ArgumentParser
import Foundation
import SwarmCore
import SwarmHub
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator

/// `swarmd import`: reads another system's ticket history.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read another system's ticket history: its baseline metrics and a simulator workload.",
        subcommands: [ServiceNow.self]
    )

    /// `swarmd import servicenow FILE`.
    struct ServiceNow: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "servicenow",
            abstract:
                "Read a ServiceNow incident event log: its tiered baseline, and a workload of the same incidents.",
            discussion: """
                FILE has the columns of the public data set "Incident management process enriched event \
                log": one row per update of an incident, dates DD-MM-YYYY HH:MM (taken as UTC). Each incident \
                becomes the events a tiered hub would have logged: group changes are hand-offs up the tiers, \
                reopens and made_sla come along. The people seen in each assignment group become a staff \
                file: groups as teams with a tier from the order incidents move between them, each person's \
                tiers, skills (from the categories they held) and working hours (from when they acted).

                Prints the rows read and the malformed ones with their line numbers (they are skipped), the \
                source's own counts beside the translation's, and the baseline metrics. Writes one workload \
                row per incident for `swarmd simulate`. docs/import.md has every rule.

                Exit status: 0 when imported (malformed rows or not); 2 when FILE is unusable (missing, empty, \
                not CSV, not this format, no usable row) or the workload or staff file exists and --force is not \
                given.

                Examples:
                  swarmd import servicenow incidents.csv
                  swarmd import servicenow incidents.csv --workload history.csv --force
                  swarmd simulate --workload history.csv --staff incidents-staff.csv --calibrate
                """
        )

        @Argument(help: ArgumentHelp("The incident event log (CSV).", valueName: "file"))
        var file: String

        @Option(
            help: ArgumentHelp(
                "Where to write the workload (default: <FILE's name>-workload.csv in the current directory).",
                valueName: "file"))
        var workload: String?

        @Option(
            help: ArgumentHelp(
                "Where to write the inferred staff (default: <FILE's name>-staff.csv beside the workload).",
                valueName: "file"))
        var staff: String?

        @Flag(help: "Overwrite the workload and staff files if they exist.")
        var force = false

        @Flag(help: "Print JSON instead: {\"import\": the summary, \"report\": the metrics report}.")
        var json = false

        @Flag(help: "Print the metrics report as CSV instead (the summary goes to standard error).")
        var csv = false

        func validate() throws {
            guard !(json && csv) else { throw ValidationError("--json and --csv cannot be used together") }
            if let workload, workload.isEmpty { throw ValidationError("--workload must name a file") }
            if let staff, staff.isEmpty { throw ValidationError("--staff must name a file") }
            if workloadPath == staffPath { throw ValidationError("--workload and --staff must name different files") }
        }

        /// `<FILE's name without extension>-workload.csv`, in the current directory.
        var workloadPath: String {
            if let workload { return workload }
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return (name.isEmpty ? "servicenow" : name) + "-workload.csv"
        }

        /// `<FILE's name without extension>-staff.csv`, beside the workload.
        var staffPath: String {
            if let staff { return staff }
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let base = (name.isEmpty ? "servicenow" : name) + "-staff.csv"
            let directory = URL(fileURLWithPath: workloadPath).deletingLastPathComponent()
            return workload == nil ? base : directory.appendingPathComponent(base).path
        }

        /// Refuses to write `path` over the log, over a directory, or over a file without --force.
        private func checkWritable(_ path: String, what: String, option: String) throws {
            if URL(fileURLWithPath: path).standardizedFileURL == URL(fileURLWithPath: file).standardizedFileURL {
                complain("error: the \(what) would overwrite the log it is made from, \(file); name another \(option)")
                throw ExitCode(2)
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    complain("error: the \(what) file \(path) is a directory; name a file with \(option)")
                    throw ExitCode(2)
                }
                if !force {
                    complain(
                        "error: the \(what) file \(path) exists; add --force to overwrite it, or name another with \(option)"
                    )
                    throw ExitCode(2)
                }
            }
        }

        func run() throws {
            let output = workloadPath
            let outputURL = URL(fileURLWithPath: output).standardizedFileURL
            try checkWritable(output, what: "workload", option: "--workload")
            try checkWritable(staffPath, what: "staff", option: "--staff")
            let imported: ServiceNowImport
            do {
                imported = try ServiceNowImport.load(path: file)
            } catch {
                complain("error: \(error.description)")
                throw ExitCode(2)
            }
            do {
                try Data(Workload.csv(imported.workload).utf8).write(to: outputURL, options: .atomic)
            } catch {
                complain("error: cannot write the workload to \(output): \(error.localizedDescription)")
                throw ExitCode.failure
            }
            let team = imported.staff(taxonomy: .standard)
            do {
                try Data(Staff.csv(team.members).utf8).write(
                    to: URL(fileURLWithPath: staffPath).standardizedFileURL, options: .atomic)
            } catch {
                complain("error: cannot write the staff to \(staffPath): \(error.localizedDescription)")
                throw ExitCode.failure
            }
            var collector = MetricsCollector()
            collector.add(imported.events)
            let report = collector.report(MetricsQuery(queue: ServiceNowImport.queue, mode: .tiered))
            let summary = ServiceNowSummary(imported, workloadPath: output, staff: team, staffPath: staffPath)
            if json {
                say(try SwarmJSON.string(Output(summary: summary, report: report)))
            } else if csv {
                complain(summary.text())
                complain(summary.workloadText())
                FileHandle.standardOutput.write(Data(report.csv().utf8))
            } else {
                say(summary.text())
                say("")
                say("Baseline: the incidents as a tiered hub would have logged them (docs/metrics.md)")
                FileHandle.standardOutput.write(Data(report.table().utf8))
                say("")
                say(summary.workloadText())
            }
        }
    }

    /// `--json`: the summary and the report.
    struct Output: Encodable {
        var summary: ServiceNowSummary
        var report: MetricsReport

        enum CodingKeys: String, CodingKey {
            case summary = "import"
            case report
        }
    }
}
