import ArgumentParser
import Foundation
import SwarmMetrics
import SwarmProtocol

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
                reopens and made_sla come along.

                Prints the rows read and the malformed ones with their line numbers (they are skipped), the \
                source's own counts beside the translation's, and the baseline metrics. Writes one workload \
                row per incident for `swarmd simulate`. docs/import.md has every rule.

                Exit status: 0 when imported (malformed rows or not); 2 when FILE is unusable (missing, empty, \
                not CSV, not this format, no usable row) or the workload file exists and --force is not given.

                Examples:
                  swarmd import servicenow incidents.csv
                  swarmd import servicenow incidents.csv --workload history.csv --force
                  swarmd simulate --workload history.csv --staff samples/staff.csv --mode all
                """
        )

        @Argument(help: ArgumentHelp("The incident event log (CSV).", valueName: "file"))
        var file: String

        @Option(
            help: ArgumentHelp(
                "Where to write the workload (default: <FILE's name>-workload.csv in the current directory).",
                valueName: "file"))
        var workload: String?

        @Flag(help: "Overwrite the workload file if it exists.")
        var force = false

        @Flag(help: "Print JSON instead: {\"import\": the summary, \"report\": the metrics report}.")
        var json = false

        @Flag(help: "Print the metrics report as CSV instead (the summary goes to standard error).")
        var csv = false

        func validate() throws {
            guard !(json && csv) else { throw ValidationError("--json and --csv cannot be used together") }
            if let workload, workload.isEmpty { throw ValidationError("--workload must name a file") }
        }

        /// `<FILE's name without extension>-workload.csv`, in the current directory.
        var workloadPath: String {
            if let workload { return workload }
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return (name.isEmpty ? "servicenow" : name) + "-workload.csv"
        }

        func run() throws {
            let output = workloadPath
            let outputURL = URL(fileURLWithPath: output).standardizedFileURL
            if outputURL == URL(fileURLWithPath: file).standardizedFileURL {
                complain(
                    "error: the workload would overwrite the log it is made from, \(file); name another --workload")
                throw ExitCode(2)
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    complain("error: the workload file \(output) is a directory; name a file with --workload")
                    throw ExitCode(2)
                }
                if !force {
                    complain(
                        "error: the workload file \(output) exists; add --force to overwrite it, or name another with --workload"
                    )
                    throw ExitCode(2)
                }
            }
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
            var collector = MetricsCollector()
            collector.add(imported.events)
            let report = collector.report(MetricsQuery(queue: ServiceNowImport.queue, mode: .tiered))
            let summary = ServiceNowSummary(imported, workloadPath: output)
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
