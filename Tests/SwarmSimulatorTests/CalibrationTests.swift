import Foundation
import SwarmCore
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator
import Testing

/// A ServiceNow log written row by row: every column of the data set, the ones a test cares about given.
struct SyntheticLog {
    static let header = SliceFixture.text.split(whereSeparator: \.isNewline)[0].split(separator: ",").map(String.init)
    var lines: [String] = [header.joined(separator: ",")]

    /// One update of incident `number` (`updated` as `DD-MM-YYYY HH:MM`).
    mutating func row(
        _ number: String, state: String = "Active", group: String, assigned: String, resolvedBy: String = "?",
        opened: String, updated: String, reassignments: Int = 0, mod: Int, category: String = "Category 53",
        knowledge: String = "TRUE", urgency: String = "2 - Medium", impact: String = "2 - Medium"
    ) {
        let values: [String: String] = [
            "number": number, "incident_state": state, "active": "TRUE", "reassignment_count": "\(reassignments)",
            "reopen_count": "0", "sys_mod_count": "\(mod)", "made_sla": "TRUE", "caller_id": "Caller 1",
            "opened_by": "Opened by  1", "opened_at": opened, "sys_updated_by": "Updated by 2",
            "sys_updated_at": updated, "category": category, "impact": impact, "urgency": urgency,
            "assignment_group": group, "assigned_to": assigned, "knowledge": knowledge, "resolved_by": resolvedBy,
        ]
        lines.append(Self.header.map { values[$0] ?? "?" }.joined(separator: ","))
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}

@Suite("The staff a ServiceNow log shows")
struct StaffInferenceTests {
    /// Three groups: every incident starts at Group 1; some go on to Group 2, and one of those on to Group 3.
    static func log() -> SyntheticLog {
        var log = SyntheticLog()
        for n in 1...6 {
            let number = "INC000000\(n)"
            let day = String(format: "%02d", n)
            // Opened at 09:00 on weekdays of March 2016 (1 March was a Tuesday): Resolver 1 acts 09:00-11:00.
            log.row(
                number, state: "New", group: "Group 1", assigned: "Resolver 1", opened: "\(day)-03-2016 09:00",
                updated: "\(day)-03-2016 09:00", mod: 0, category: "Category 53")
            if n <= 3 {
                log.row(
                    number, group: "Group 2", assigned: "Resolver 2", opened: "\(day)-03-2016 09:00",
                    updated: "\(day)-03-2016 14:00", reassignments: 1, mod: 1, category: "Category 53")
                if n == 1 {
                    log.row(
                        number, group: "Group 3", assigned: "Resolver 3", opened: "\(day)-03-2016 09:00",
                        updated: "\(day)-03-2016 22:00", reassignments: 2, mod: 2)
                }
            }
            log.row(
                number, state: "Resolved", group: n == 1 ? "Group 3" : n <= 3 ? "Group 2" : "Group 1",
                assigned: n == 1 ? "Resolver 3" : n <= 3 ? "Resolver 2" : "Resolver 1",
                resolvedBy: "Resolved by 9", opened: "\(day)-03-2016 09:00",
                updated: "\(day)-03-2016 \(n <= 3 ? "15" : "10"):00", reassignments: n == 1 ? 2 : n <= 3 ? 1 : 0,
                mod: 5, knowledge: n == 2 ? "FALSE" : "TRUE")
        }
        return log
    }

    static let taxonomy = try! Taxonomy(
        tags: ["network": Taxonomy.Tag(), "network.vpn": Taxonomy.Tag()], categories: [.network: ["network"]])

    @Test("groups become teams with the tier at which incidents reach them; people get their groups' tiers")
    func teamsAndTiers() throws {
        let imported = try ServiceNowImport.parse(Self.log().text, file: "log.csv")
        let staff = imported.staff(taxonomy: Self.taxonomy)
        #expect(staff.teams.map(\.name) == ["Group 1", "Group 2", "Group 3"])
        #expect(staff.teams.map(\.tier) == [1, 2, 3])
        #expect(staff.teams.map(\.incidents) == [6, 3, 1])
        #expect(staff.teams.map(\.first) == [6, 0, 0])
        #expect(staff.teams[0].people == ["resolved-by-9", "resolver-1"])
        let byID = Dictionary(uniqueKeysWithValues: staff.members.map { ($0.id, $0) })
        #expect(byID["resolver-1"]?.tiers == [1])
        #expect(byID["resolver-2"]?.tiers == [2])
        #expect(byID["resolver-3"]?.tiers == [3])
        // The resolver is seen in every group an incident was resolved in.
        #expect(byID["resolved-by-9"]?.tiers == [1, 2, 3])
        #expect(byID["resolver-2"]?.teams == ["Group 2"])
        // Category 53 is network (53 mod 5 = 3): the taxonomy's network tags, level 3 from one to four incidents.
        #expect(byID["resolver-2"]?.skills == ["network": 3])
        #expect(byID["resolver-1"]?.skills == ["network": 4])
    }

    @Test(
        "working hours are the shortest run of hours holding 80 % of someone's actions; weekdays only without weekend work"
    )
    func workingHours() throws {
        let imported = try ServiceNowImport.parse(Self.log().text, file: "log.csv")
        let staff = imported.staff(taxonomy: Self.taxonomy)
        let byID = Dictionary(uniqueKeysWithValues: staff.members.map { ($0.id, $0) })
        // Resolver 1: 09:00 on six days, 10:00 on three (1–6 March 2016, Tuesday to Sunday: 5 and 6 are a weekend).
        let one = try #require(byID["resolver-1"]?.shift)
        // 09:00-11:00 holds them all, widened to eight hours around it.
        #expect(one.description == "06:00-14:00")
        // Resolver 2: 14:00 and 15:00 on 1–3 March, all weekdays.
        #expect(byID["resolver-2"]?.shift.description == "mon/tue/wed/thu/fri 11:00-19:00")
        // Resolver 3 acted twice, too few for hours of their own: everyone's 22 actions pooled (09:00 6,
        // 10:00 6, 14:00 3, 15:00 6, 22:00 1; 6 on the weekend) need 09:00-16:00 every day, widened to 17:00.
        #expect(byID["resolver-3"]?.shift.description == "09:00-17:00")
    }

    @Test("the staff file reads back as written, teams included, and stays editable")
    func roundTrip() throws {
        let imported = try ServiceNowImport.parse(Self.log().text, file: "log.csv")
        let staff = imported.staff(taxonomy: Self.taxonomy)
        let text = Staff.csv(staff.members)
        #expect(text.hasPrefix("agent,role,tiers,skills,shift,capacity,teams\n"))
        let read = try Staff.parse(text, file: "staff.csv", taxonomy: Self.taxonomy)
        #expect(read == staff.members)
        let edited = text.replacingOccurrences(of: "resolver-3,agent,3,", with: "resolver-3,expert,2;3,")
        let again = try Staff.parse(edited, file: "staff.csv", taxonomy: Self.taxonomy)
        #expect(again.first { $0.id == "resolver-3" }?.tiers == [2, 3])
        #expect(again.first { $0.id == "resolver-3" }?.role == .expert)
    }

    @Test("CSI's fit test counts new issues (no knowledge article), their work minutes, and P1-P2")
    func swarmingFit() throws {
        let imported = try ServiceNowImport.parse(Self.log().text, file: "log.csv")
        let fit = SwarmingFit(imported.incidents)
        #expect(fit.knowledgeKnown == 6)
        #expect(fit.newIssues == 1)
        #expect(fit.tests[0].value == 1.0 / 6)
        #expect(fit.tests[0].passes == false)
        #expect(fit.severe == 0)
        #expect(fit.tests[2].passes == false)
    }
}

@Suite("Calibration")
struct CalibrationTests {
    /// The true parameters of a synthetic history.
    static let truth = Calibration(
        tierOneEscalates: 0.4, tierTwoEscalates: 0.35, tierOnePasses: 0.05, higherPasses: 0.25, pickupMedian: 240,
        pickupSigma: 1.2, waitMedian: 2000, waitSigma: 1.4)

    /// The test staff around the clock: with shifts, the wait for someone to come on shift and the
    /// queue wait add up to one first response, and only their sum can be recovered.
    static let staffAlways = simStaff.map { member in
        var member = member
        member.shift = .always
        return member
    }

    /// A history made with ``truth``: its tiered figures, and the share of escalated tickets that
    /// reached tier 3 (as the import counts it from group changes).
    static func history(seed: UInt64) -> (metrics: ModeMetrics, tierThree: Double) {
        var options = SimulationOptions(mode: .tiered, seed: seed)
        options.calibration = truth
        options.drainMinutes = 400 * 1440
        let settings = Calibrator.settingsForCalibration(simSettings())
        var collector = MetricsCollector()
        var changes: [String: Int] = [:]
        let summary = Simulator(workload: workload, staff: staffAlways, settings: settings, options: options).run {
            collector.add($0, seq: collector.seq + 1)
            if case .ticketEscalated(let e) = $0.payload, !e.swarm, let id = $0.ticket { changes[id, default: 0] += 1 }
        }
        let metrics = collector.report(MetricsQuery(mode: .tiered), now: summary.end).modes.first {
            $0.mode == .tiered
        }!
        let tierThree = Double(changes.values.count { $0 > 1 }) / Double(max(1, changes.count))
        return (metrics, tierThree)
    }

    static let workload = generated(1000, seed: 3, rate: 1)

    @Test("a synthetic history made with known parameters gives them back, and its figures within the targets")
    func recoversKnownParameters() throws {
        let history = Self.history(seed: 11)
        let target = try #require(CalibrationTarget(history.metrics, tierThreeShare: history.tierThree))
        var options = SimulationOptions(mode: .tiered, seed: 1)
        options.drainMinutes = 400 * 1440
        let calibrator = Calibrator(
            workload: Self.workload, staff: Self.staffAlways, settings: simSettings(), options: options,
            target: target)
        let result = calibrator.calibrate()
        let trace = result.trace.map { "\($0.loss) \($0.parameters) → \(String(describing: $0.simulated))" }
            .joined(separator: "\n")
        for row in result.fit { #expect(row.within, "\(row.figure): \(row)\n\(target)\n\(trace)") }
        let p = result.parameters
        let t = Self.truth
        #expect(abs(p.tierOneEscalates - t.tierOneEscalates) < 0.05, "\(p)")
        #expect(abs(p.tierTwoEscalates - t.tierTwoEscalates) < 0.1, "\(p)")
        #expect(abs(p.tierOnePasses - t.tierOnePasses) < 0.04, "\(p)")
        #expect(abs(p.higherPasses - t.higherPasses) < 0.1, "\(p)")
        #expect(abs(p.pickupMedian / t.pickupMedian - 1) < 0.3, "\(p)")
        #expect(abs(p.pickupSigma - t.pickupSigma) < 0.4, "\(p)")
        #expect(abs(p.waitMedian / t.waitMedian - 1) < 0.3, "\(p)")
        #expect(abs(p.waitSigma - t.waitSigma) < 0.4, "\(p)")
    }

    @Test("a calibrated run is refused nothing, and swarm keeps the wait but drops the tiers")
    func calibratedRuns() throws {
        for mode in RoutingMode.allCases {
            let (events, summary) = simulate(
                generated(200, seed: 3), staff: simStaff, mode: mode,
                settings: Calibrator.settingsForCalibration(simSettings())
            ) {
                $0.calibration = Self.truth
                $0.drainMinutes = 400 * 1440
                $0.checkShortcuts = true
            }
            #expect(summary.refused == 0, "\(mode): \(summary.refusals)")
            #expect(summary.resolved == 200, "\(mode)")
            let escalations = events.count {
                if case .ticketEscalated(let e) = $0.payload { return !e.swarm }
                return false
            }
            let swarms = events.count {
                if case .ticketEscalated(let e) = $0.payload { return e.swarm }
                return false
            }
            #expect(mode == .tiered ? escalations > 0 : escalations == 0, "\(mode)")
            #expect(mode == .hybrid ? swarms > 0 : swarms == 0, "\(mode)")
        }
    }

    @Test("the what-if report and its files are byte-identical run after run, in every format")
    func determinism() throws {
        func whatIf() throws -> [String] {
            var runs: [[ModeMetrics]] = []
            for seed in UInt64(1)...3 {
                var modes: [ModeMetrics] = []
                for mode in RoutingMode.allCases {
                    var options = SimulationOptions(mode: mode, seed: seed)
                    options.calibration = Self.truth
                    options.drainMinutes = 400 * 1440
                    var collector = MetricsCollector()
                    let summary = Simulator(
                        workload: generated(150, seed: 3), staff: simStaff,
                        settings: Calibrator.settingsForCalibration(simSettings()), options: options
                    ).run { collector.add($0, seq: collector.seq + 1) }
                    let report = collector.report(MetricsQuery(mode: mode), now: summary.end)
                    modes += report.modes.filter { $0.mode == mode }
                }
                runs.append(modes)
            }
            let report = WhatIfReport(seeds: [1, 2, 3], runs: runs)
            return [try SwarmJSON.string(report), report.table(), report.csv()]
        }
        let first = try whatIf()
        for _ in 0..<4 { #expect(try whatIf() == first) }
        #expect(first[1].contains("swarm vs tiered"))
    }

    @Test("changes are paired by seed; the interval is the 5th to 95th percentile, interpolated")
    func interval() throws {
        func metrics(_ mode: RoutingMode, resolve: Double, fcr: Double) -> ModeMetrics {
            var m = ModeMetrics(mode: mode)
            m.resolve = DurationStat(count: 1, median: resolve, p90: resolve, mean: resolve)
            m.firstContactResolutionRate = fcr
            return m
        }
        let runs = (1...20).map { k in
            [
                metrics(.tiered, resolve: 100, fcr: 0.5),
                metrics(.swarm, resolve: 100 - Double(k), fcr: 0.5 + Double(k) / 100),
            ]
        }
        let report = WhatIfReport(seeds: Array(1...20), runs: runs)
        let resolve = try #require(report.rows.first { $0.figure == "Time to resolve, median" })
        #expect(resolve.tiered == 100)
        #expect(resolve.change == "relative")
        let change = try #require(resolve.changes.first)
        #expect(change.mode == .swarm)
        #expect(abs((change.median ?? 0) + 0.105) < 1e-9)
        #expect(abs((change.low ?? 0) + 0.1905) < 1e-9)
        #expect(abs((change.high ?? 0) + 0.0195) < 1e-9)
        let fcr = try #require(report.rows.first { $0.figure == "First-contact resolution" })
        #expect(fcr.change == "points")
        #expect(abs((fcr.changes.first?.median ?? 0) - 0.105) < 1e-9)
        #expect(report.table().contains("-10.5 % [-19.1, -1.9]"))
    }

    @Test("a calibration file reads back; out-of-range parameters are refused with their names")
    func calibrationFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("c.json").path
        let file = CalibrationFile(
            history: "h.csv", workload: "w.csv", staff: "s.csv", seed: 1, parameters: Self.truth, fit: [])
        try file.data().write(to: URL(fileURLWithPath: path))
        #expect(try CalibrationFile.load(path: path) == file)
        var bad = file
        bad.parameters.tierOneEscalates = 1.5
        try bad.data().write(to: URL(fileURLWithPath: path))
        #expect {
            try CalibrationFile.load(path: path)
        } throws: { error in
            "\(error)".contains("tierOneEscalates is 1.5")
        }
    }
}
