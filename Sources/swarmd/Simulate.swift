import ArgumentParser
import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator

/// `swarmd simulate`: runs a workload through a simulated team in swarm, tiered and hybrid mode
/// and reports the same metrics as a live hub (docs/simulator.md).
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a team working a workload in swarm, tiered or hybrid mode, and compare the metrics.",
        discussion: """
            A discrete-event simulation: tickets arrive from a workload file (or a generator), staff with skills, \
            tiers and shifts work them, and every change is an event decided by the hub's own rules, measured by \
            the hub's own metrics. The same inputs and seed give the same output, byte for byte. The report goes \
            to standard output; a header with the wall time goes to standard error. docs/simulator.md explains \
            the model, its numbers and the file formats.

            Examples:
              swarmd simulate --workload samples/workload-small.csv \\
                  --staff samples/staff.csv --config samples/queues.yaml
              swarmd simulate --generate 100000 --rate 1 --staff samples/staff.csv
              swarmd simulate --generate 500 --staff s.csv --write-workload w.csv
              swarmd simulate --workload w.csv --staff s.csv --mode tiered --json
              swarmd simulate --workload w.csv --staff s.csv --mode hybrid \\
                  --events hybrid.jsonl
              swarmd simulate --workload history-workload.csv --staff history-staff.csv \\
                  --calibrate --history history.csv
              swarmd simulate --workload history-workload.csv --staff history-staff.csv \\
                  --parameters calibration.json --mode all

            --calibrate fits the model's free parameters (shares handed up and passed on, queue wait, wait \
            on others) so that the tiered run reproduces the history's baseline, prints the fit and writes \
            them to --parameters. With --parameters, every mode runs on 20 seeds and the table gives swarm \
            and hybrid against tiered with a 90 % interval.

            Exit status: 0 on success, 2 for a bad workload, staff, configuration or taxonomy file (each \
            problem named with its file and line), 64 for bad options.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Workload CSV: id,arrival,category,urgency,impact,skills,effort_minutes,queue.", valueName: "file"))
    var workload: String?

    @Option(help: ArgumentHelp("Generate this many tickets instead of reading --workload.", valueName: "n"))
    var generate: Int?

    @Option(help: ArgumentHelp("Generated arrivals per hour, averaged over a week (--generate).", valueName: "rate"))
    var rate = 1.5

    @Option(
        help: ArgumentHelp(
            "When generated arrivals start, ISO-8601 UTC (--generate).", valueName: "time"))
    var start = "2026-01-05T00:00:00Z"

    @Option(help: ArgumentHelp("Save the generated workload as a workload CSV file.", valueName: "file"))
    var writeWorkload: String?

    @Option(help: ArgumentHelp("Staff CSV: agent,role,tiers,skills,shift[,capacity].", valueName: "file"))
    var staff: String

    @Option(help: ArgumentHelp("Routing mode of every queue: swarm, tiered, hybrid, or all three.", valueName: "mode"))
    var mode = "all"

    @Option(help: ArgumentHelp("Seed of the random numbers (generator and simulation).", valueName: "n"))
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "Queue configuration (YAML, as for serve): tier limits, SLA, invitations. Default: standard SLA targets.",
            valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Skill taxonomy file (JSON); default: the one shipped with swarmd.", valueName: "file"))
    var taxonomy: String?

    @Flag(help: "Without --config: no SLA targets (default: the standard ones, around the clock).")
    var noSla = false

    @Option(help: ArgumentHelp("Re-reading a case that changed hands.", valueName: "duration"))
    var handoffCost = TextDuration(milliseconds: 15 * 60_000)

    @Option(help: ArgumentHelp("Extra work per additional swarm member, in percent.", valueName: "percent"))
    var coordination = 15.0

    @Option(help: ArgumentHelp("Tickets a person works at once (unless the staff file says).", valueName: "n"))
    var capacity = 3

    @Option(help: ArgumentHelp("Time a tier agent lacking the skills spends before escalating.", valueName: "duration"))
    var diagnosis = TextDuration(milliseconds: 10 * 60_000)

    @Option(help: ArgumentHelp("Time the vendor (tier 4) takes.", valueName: "duration"))
    var vendorTime = TextDuration(milliseconds: 2 * 86_400_000)

    @Option(
        help: ArgumentHelp(
            "How long after the last arrival the simulation may run (default 14d; 400d with --parameters).",
            valueName: "duration"))
    var drain: TextDuration?

    @Flag(
        help:
            "Fit the model's free parameters so the tiered run on --workload reproduces --history's baseline; print the fit and write --parameters."
    )
    var calibrate = false

    @Option(help: ArgumentHelp("The ServiceNow log the workload came from (--calibrate).", valueName: "file"))
    var history: String?

    @Option(
        help: ArgumentHelp(
            "Calibrated parameters: written by --calibrate (default calibration.json), read otherwise.",
            valueName: "file"))
    var parameters: String?

    @Option(
        help: ArgumentHelp(
            "Runs per mode, seeds --seed to --seed+N-1 (default 1; 20 with --parameters and --mode all); with several, the table "
                + "gives each mode's change against tiered with a 90 % interval.", valueName: "n"))
    var seeds: Int?

    /// `--invitations`, `--invite-timeout`, `--backlog-after`: serve's, from the same table entries.
    @OptionGroup var swarm: SwarmOptions

    @Flag(help: "Print the report as JSON (MetricsReport) instead of a table.")
    var json = false

    @Flag(help: "Print the report as CSV, one row per mode, instead of a table.")
    var csv = false

    @Option(help: ArgumentHelp("Write every event as a JSON line to this file (one mode only).", valueName: "file"))
    var events: String?

    func validate() throws {
        guard (workload == nil) != (generate == nil) else {
            throw ValidationError("give either --workload FILE or --generate N")
        }
        if let generate, !(1...10_000_000).contains(generate) {
            throw ValidationError("--generate must be 1 to 10000000")
        }
        guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be above 0 and at most 100000") }
        guard Timestamp(iso8601: start) != nil else {
            throw ValidationError("--start must be an ISO-8601 UTC time like 2026-01-05T00:00:00Z, not '\(start)'")
        }
        if writeWorkload != nil && generate == nil { throw ValidationError("--write-workload needs --generate") }
        guard try modes().count == 1 || events == nil else {
            throw ValidationError("--events writes one run's events: choose one --mode")
        }
        guard !(json && csv) else { throw ValidationError("choose --json or --csv, not both") }
        if calibrate {
            guard history != nil else {
                throw ValidationError("--calibrate needs --history LOG, the log the workload came from")
            }
            guard workload != nil else {
                throw ValidationError("--calibrate needs --workload FILE, the history's workload")
            }
            guard seeds == nil, events == nil else {
                throw ValidationError("--calibrate runs tiered alone: leave out --seeds and --events")
            }
        } else if history != nil {
            throw ValidationError("--history is for --calibrate")
        }
        if let seeds, !(1...1000).contains(seeds) { throw ValidationError("--seeds must be 1 to 1000") }
        if (seeds ?? 1) > 1 && events != nil {
            throw ValidationError("--events writes one run's events: leave out --seeds")
        }
        guard (0...1000).contains(coordination) else { throw ValidationError("--coordination must be 0 to 1000") }
        guard Staff.capacities.contains(capacity) else { throw ValidationError("--capacity must be 1 to 20") }
    }

    private func modes() throws -> [RoutingMode] {
        if mode == "all" { return RoutingMode.allCases }
        guard let one = RoutingMode(rawValue: mode) else {
            throw ValidationError("--mode must be swarm, tiered, hybrid or all, not '\(mode)'")
        }
        return [one]
    }

    private func minutes(_ duration: TextDuration) -> Double { Double(duration.milliseconds) / 60_000 }

    func run() async throws {
        let began = Date()
        let settings: SwarmSettings
        let members: [StaffMember]
        let items: [WorkloadItem]
        do {
            settings = try swarmSettings()
            members = try Staff.load(path: staff, taxonomy: settings.taxonomy)
            items = try loadWorkload(settings: settings)
        } catch let error as InputFileError {
            complain(error.description.split(separator: "\n").map { "error: \($0)" }.joined(separator: "\n"))
            throw ExitCode(2)
        } catch let error as ExitCode {
            throw error
        } catch {
            complain("error: \(error)")
            throw ExitCode(2)
        }
        var options = SimulationOptions(seed: seed)
        options.handoffMinutes = minutes(handoffCost)
        options.coordinationOverhead = coordination / 100
        options.capacity = capacity
        options.diagnosisMinutes = minutes(diagnosis)
        options.vendorMinutes = minutes(vendorTime)
        let calibration: Calibration?
        do {
            calibration = try calibrate ? nil : parameters.map { try CalibrationFile.load(path: $0).parameters }
        } catch let error as InputFileError {
            complain(error.description.split(separator: "\n").map { "error: \($0)" }.joined(separator: "\n"))
            throw ExitCode(2)
        }
        let calibrated = calibrate || calibration != nil
        options.drainMinutes = (drain?.milliseconds ?? (calibrated ? 400 : 14) * 86_400_000) / 60_000
        options.calibration = calibration
        let runSettings = calibrated && config == nil ? Calibrator.settingsForCalibration(settings) : settings
        if calibrate {
            try runCalibration(items: items, members: members, settings: settings, options: options, began: began)
            return
        }
        let seedCount = seeds ?? (calibration != nil && mode == "all" ? 20 : 1)
        if seedCount > 1 {
            try await runSeeds(
                seedCount, items: items, members: members, settings: runSettings, options: options, began: began)
            return
        }

        // The modes run side by side, each on its own copy of everything: nothing is shared, so
        // running them at once changes no result.
        let simulators = try modes().map { mode in
            var each = options
            each.mode = mode
            return Simulator(workload: items, staff: members, settings: runSettings, options: each)
        }
        let eventsPath = events
        let runs = try await withThrowingTaskGroup(of: (Int, Run).self) { group in
            for (index, simulator) in simulators.enumerated() {
                group.addTask { (index, try Self.run(simulator, eventsTo: eventsPath)) }
            }
            var runs: [(Int, Run)] = []
            for try await run in group { runs.append(run) }
            return runs.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for run in runs where run.summary.refused > 0 {
            complain(
                "warning: \(run.summary.mode.rawValue): the hub refused \(run.summary.refused) simulated commands (a model bug):"
            )
            for refusal in run.summary.refusals { complain("  \(refusal)") }
        }

        // Every run is reported as of the same instant, the last event of the longest run, so the
        // backlog of each is measured at the same time; a run that ended earlier left its people
        // offline at its end, so no availability is counted after it.
        let end = runs.map(\.summary.end).max() ?? Timestamp(milliseconds: 0)
        let reports = runs.map { $0.collector.report(MetricsQuery(mode: $0.summary.mode), now: end) }
        var report = reports.first ?? MetricsReport(seq: 0, asOf: end)
        report.seq = 0
        report.modes = reports.flatMap(\.modes)
        if reports.count > 1 {
            report.mode = nil
            report.agents = []
        }

        let first = runs.first?.summary
        let source =
            workload.map { "workload \($0)" } ?? "\(items.count) generated tickets (rate \(rate)/h, seed \(seed))"
        complain("simulated \(items.count) tickets from \(source), \(members.count) staff, seed \(seed)")
        if let first { complain("simulated span \(first.start) to \(end)") }
        for run in runs {
            complain(
                "\(run.summary.mode.rawValue): \(run.summary.events) events, \(run.summary.resolved) resolved, "
                    + "\(run.summary.open) open, last event \(run.summary.end), wall time \(String(format: "%.2f", run.seconds)) s"
            )
        }
        complain("total wall time \(String(format: "%.2f", Date().timeIntervalSince(began))) s")

        if json {
            print(try SwarmJSON.string(report))
        } else if csv {
            print(report.csv(), terminator: "")
        } else {
            print(
                "Simulated \(items.count) tickets, \(members.count) staff, seed \(seed), "
                    + "from \(first?.start.description ?? "-") to \(end)")
            print(report.table(), terminator: "")
        }
    }

    /// `--calibrate`: fits the parameters to the history's baseline, prints the fit, writes the file.
    private func runCalibration(
        items: [WorkloadItem], members: [StaffMember], settings: SwarmSettings, options: SimulationOptions,
        began: Date
    ) throws {
        guard let history else { return }
        let imported: ServiceNowImport
        do {
            imported = try ServiceNowImport.load(path: history)
        } catch {
            complain("error: \(error.description)")
            throw ExitCode(2)
        }
        var collector = MetricsCollector()
        collector.add(imported.events)
        let baseline = collector.report(MetricsQuery(queue: ServiceNowImport.queue, mode: .tiered))
        guard let metrics = baseline.modes.first(where: { $0.mode == .tiered }),
            let target = CalibrationTarget(
                metrics, tierThreeShare: CalibrationTarget.tierThreeShare(of: imported.incidents))
        else {
            complain("error: \(history): the history resolves no incident, so there is nothing to fit")
            throw ExitCode(2)
        }
        let calibrator = Calibrator(
            workload: items, staff: members, settings: settings, options: options, target: target)
        let result = calibrator.calibrate()
        let path = parameters ?? "calibration.json"
        let file = CalibrationFile(
            history: history, workload: workload, staff: staff, seed: seed, parameters: result.parameters,
            fit: result.fit, rounds: result.trace)
        do {
            try file.data().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            complain("error: cannot write the parameters to \(path): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        complain(
            "calibrated on \(items.count) tickets, \(members.count) staff, seed \(seed): \(result.runs) tiered runs, "
                + "kept round \(result.keptRound), wall time \(String(format: "%.2f", Date().timeIntervalSince(began))) s"
        )
        if json {
            print(String(decoding: try file.data(), as: UTF8.self), terminator: "")
            return
        }
        if csv {
            print("figure,unit,real,simulated,error,tolerance,within")
            for row in result.fit {
                let fields = [
                    row.figure, row.unit, WhatIfReport.csvNumber(row.real), WhatIfReport.csvNumber(row.simulated),
                    WhatIfReport.csvNumber(row.error), WhatIfReport.csvNumber(row.tolerance), row.within ? "yes" : "no",
                ]
                print(fields.joined(separator: ","))
            }
            return
        }
        print(
            "Calibration of the tiered model on \(history) (\(items.count) tickets, \(members.count) staff, seed \(seed))"
        )
        print(CalibrationText.fit(result.fit))
        print("")
        print(CalibrationText.parameters(result.parameters))
        print("")
        print("Parameters written to \(path); run the what-if with:")
        print(
            "  swarmd simulate --workload \(workload ?? "-") --staff \(staff) --parameters \(path) --mode all --seeds 20"
        )
    }

    /// Several seeds: every mode on each, and each mode's change against tiered.
    private func runSeeds(
        _ count: Int, items: [WorkloadItem], members: [StaffMember], settings: SwarmSettings,
        options: SimulationOptions, began: Date
    ) async throws {
        let modes = try modes()
        guard modes.contains(.tiered), modes.count > 1 else {
            throw ValidationError("--seeds compares modes against tiered: use --mode all")
        }
        let seedList = (0..<UInt64(count)).map { seed &+ $0 }
        var simulators: [(Int, Int, Simulator)] = []
        for (s, each) in seedList.enumerated() {
            for (m, mode) in modes.enumerated() {
                var o = options
                o.seed = each
                o.mode = mode
                simulators.append((s, m, Simulator(workload: items, staff: members, settings: settings, options: o)))
            }
        }
        // Two at a time (the machine's cores), each on its own copy: results do not depend on the order.
        var results: [[ModeMetrics?]] = Array(repeating: Array(repeating: nil, count: modes.count), count: count)
        var refused = 0
        try await withThrowingTaskGroup(of: (Int, Int, ModeMetrics, Int).self) { group in
            var next = 0
            func add() {
                guard next < simulators.count else { return }
                let (s, m, simulator) = simulators[next]
                next += 1
                group.addTask {
                    let run = try Self.run(simulator, eventsTo: nil)
                    let report = run.collector.report(MetricsQuery(mode: run.summary.mode), now: run.summary.end)
                    let metrics =
                        report.modes.first { $0.mode == run.summary.mode } ?? ModeMetrics(mode: run.summary.mode)
                    return (s, m, metrics, run.summary.refused)
                }
            }
            let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
            for _ in 0..<width { add() }
            for try await (s, m, metrics, r) in group {
                results[s][m] = metrics
                refused += r
                add()
            }
        }
        if refused > 0 {
            complain("warning: the hub refused \(refused) simulated commands over all runs (a model bug)")
        }
        let report = WhatIfReport(seeds: seedList, runs: results.map { $0.compactMap { $0 } })
        complain(
            "simulated \(items.count) tickets, \(members.count) staff, \(modes.count) modes × \(count) seeds, "
                + "wall time \(String(format: "%.2f", Date().timeIntervalSince(began))) s")
        if json {
            print(try SwarmJSON.string(report))
        } else if csv {
            print(report.csv(), terminator: "")
        } else {
            let calibrated = options.calibration != nil ? "calibrated (\(parameters ?? "-"))" : "not calibrated"
            print(
                "What-if: \(items.count) tickets, \(members.count) staff, seeds \(seedList.first ?? 0)-\(seedList.last ?? 0), "
                    + "model \(calibrated)")
            print(report.table(), terminator: "")
            print("")
            print(CalibrationText.keeps(calibrated: options.calibration != nil))
        }
    }

    /// One mode's run: what the simulator says of it, its metrics, and how long it took.
    struct Run: Sendable {
        var summary: SimulationSummary
        var collector: MetricsCollector
        var seconds: Double
    }

    /// Runs one simulation into a metrics collector (and an events file).
    private static func run(_ simulator: Simulator, eventsTo path: String?) throws -> Run {
        var collector = MetricsCollector()
        let writer = try path.map { try EventWriter(path: $0) }
        let clock = Date()
        var seq: Int64 = 0
        let summary = simulator.run { event in
            seq += 1
            collector.add(event, seq: seq)
            writer?.write(event)
        }
        try writer?.close()
        return Run(summary: summary, collector: collector, seconds: Date().timeIntervalSince(clock))
    }

    private func swarmSettings() throws -> SwarmSettings {
        var settings = SwarmSettings(taxonomy: try taxonomy.map { try Taxonomy.load(path: $0) } ?? .standard)
        do throws(SettingError) {
            try swarm.apply(to: &settings)
        } catch {
            // Not reached: SwarmOptions.validate() refused a bad value before run().
            throw ValidationError(error.message)
        }
        if let config {
            try QueueConfiguration.load(path: config).apply(to: &settings)
        } else if !noSla {
            settings.defaultQueue.sla = .standard
        }
        return settings
    }

    private func loadWorkload(settings: SwarmSettings) throws -> [WorkloadItem] {
        if let workload {
            // Read once: parsed as a workload, and its skills checked against the taxonomy.
            guard let data = FileManager.default.contents(atPath: workload) else {
                throw InputFileError(file: workload, problems: [LineProblem(line: 0, message: "cannot read the file")])
            }
            let text = String(decoding: data, as: UTF8.self)
            let items = try Workload.parse(text, file: workload)
            guard !items.isEmpty else {
                throw InputFileError(file: workload, problems: [LineProblem(line: 2, message: "no tickets")])
            }
            try Simulator.checkSkills(text, file: workload, taxonomy: settings.taxonomy)
            return items
        }
        var generator = WorkloadGenerator(count: generate ?? 0, seed: seed)
        generator.ratePerHour = rate
        generator.start = Timestamp(iso8601: start) ?? generator.start
        let items = generator.generate(taxonomy: settings.taxonomy)
        if let writeWorkload {
            do {
                try Workload.csv(items).write(toFile: writeWorkload, atomically: true, encoding: .utf8)
            } catch {
                complain("error: cannot write \(writeWorkload): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        return items
    }
}

/// Writes events as JSON lines, buffered.
private final class EventWriter {
    private let handle: FileHandle
    private var buffer = Data()
    private let encoder = SwarmJSON.encoder()

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            complain("error: cannot create \(path)")
            throw ExitCode(2)
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func write(_ event: SwarmEvent) {
        if let data = try? encoder.encode(event) {
            buffer.append(data)
            buffer.append(10)
        }
        if buffer.count > 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        try handle.close()
    }
}
