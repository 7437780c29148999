import Foundation
import SwarmImport
import SwarmMetrics
import SwarmProtocol
import SwarmTestSupport
import Testing

/// `swarmd import servicenow` and `swarmd simulate` as a lead runs them: the real binary, real files.
@Suite("swarmd import and simulate, as processes")
struct AnalysisCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let slice = repository.appendingPathComponent("Tests/SwarmSimulatorTests/Fixtures/servicenow-slice.csv").path
    static let staff = repository.appendingPathComponent("samples/staff.csv").path

    @Test("import writes a workload once, simulate replays it under every mode, the same seed gives the same report")
    func importThenSimulate() async throws {
        let directory = try temporaryDirectory()
        let workload = directory.appendingPathComponent("history.csv").path
        let imported = try await SwarmdProcess.run(["import", "servicenow", Self.slice, "--workload", workload])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("tiered"), "\(imported.out)")
        let items = try Workload.load(path: workload)
        #expect(!items.isEmpty)
        // The lead's file is not overwritten by accident.
        let again = try await SwarmdProcess.run(["import", "servicenow", Self.slice, "--workload", workload])
        #expect(again.status != 0)
        #expect(again.err.contains("--force"), "\(again.err)")
        #expect(
            try await SwarmdProcess.run(["import", "servicenow", Self.slice, "--workload", workload, "--force"]).status
                == 0)

        let arguments = [
            "simulate", "--workload", workload, "--staff", Self.staff, "--mode", "all", "--seed", "5", "--json",
        ]
        let first = try await SwarmdProcess.run(arguments)
        #expect(first.status == 0, "\(first.err)")
        let report = try JSONDecoder().decode(MetricsReport.self, from: Data(first.out.utf8))
        #expect(report.modes.map(\.mode) == [.swarm, .tiered, .hybrid])
        #expect(report.modes.allSatisfy { $0.opened == items.count })
        #expect(try await SwarmdProcess.run(arguments).out == first.out)
        let csv = try await SwarmdProcess.run(Array(arguments.dropLast()) + ["--csv"])
        #expect(csv.status == 0)
        #expect(csv.out.split(separator: "\n").count == 4 + Via.allCases.count, "modes, then the ways in")
    }

    @Test(
        "import infers the staff; calibrate fits and writes the parameters; the seeded what-if is byte-identical run after run"
    )
    func calibrateThenWhatIf() async throws {
        let directory = try temporaryDirectory()
        let workload = directory.appendingPathComponent("history.csv").path
        let staff = directory.appendingPathComponent("team.csv").path
        let imported = try await SwarmdProcess.run([
            "import", "servicenow", Self.slice, "--workload", workload, "--staff", staff,
        ])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("Does swarming fit?"), "\(imported.out)")
        let team = try String(contentsOfFile: staff, encoding: .utf8)
        #expect(team.hasPrefix("agent,role,tiers,skills,shift,capacity,teams\n"), "\(team)")

        let parameters = directory.appendingPathComponent("calibration.json").path
        let calibrate = [
            "simulate", "--workload", workload, "--staff", staff, "--calibrate", "--history", Self.slice,
            "--parameters", parameters,
        ]
        let fitted = try await SwarmdProcess.run(calibrate)
        #expect(fitted.status == 0, "\(fitted.err)")
        #expect(fitted.out.contains("Time to resolve, median"), "\(fitted.out)")
        let file = try Data(contentsOf: URL(fileURLWithPath: parameters))
        #expect(try await SwarmdProcess.run(calibrate).out == fitted.out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: parameters)) == file)

        let whatIf = [
            "simulate", "--workload", workload, "--staff", staff, "--parameters", parameters, "--mode", "all",
            "--seeds", "4",
        ]
        for format in [[], ["--json"], ["--csv"]] {
            let first = try await SwarmdProcess.run(whatIf + format)
            #expect(first.status == 0, "\(first.err)")
            for _ in 0..<2 { #expect(try await SwarmdProcess.run(whatIf + format).out == first.out, "\(format)") }
            if format.isEmpty { #expect(first.out.contains("swarm vs tiered"), "\(first.out)") }
        }
        let broken = directory.appendingPathComponent("broken.json").path
        try "{\"parameters\": 3}".write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await SwarmdProcess.run(whatIf.map { $0 == parameters ? broken : $0 })
        #expect(refused.status == 2)
        #expect(refused.err.contains("broken.json"), "\(refused.err)")
    }

    @Test("unusable input exits 2 with the file and what is wrong; nothing is written")
    func badInput() async throws {
        let directory = try temporaryDirectory()
        let empty = directory.appendingPathComponent("empty.csv").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        let imported = try await SwarmdProcess.run([
            "import", "servicenow", empty, "--workload", directory.appendingPathComponent("w.csv").path,
        ])
        #expect(imported.status == 2)
        #expect(!imported.err.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("w.csv").path))

        let staff = directory.appendingPathComponent("staff.csv").path
        try "agent,role,tiers,skills,shift\ndana,agent,1,network.dns:9,always\n".write(
            toFile: staff, atomically: true, encoding: .utf8)
        let simulated = try await SwarmdProcess.run(["simulate", "--generate", "10", "--staff", staff, "--seed", "1"])
        #expect(simulated.status == 2)
        #expect(simulated.err.contains("staff.csv:2"), "\(simulated.err)")

        // The simulator takes serve's swarm settings from the same table entries: same bounds, same message.
        for (flag, value, expected) in [
            ("--invite-timeout", "500ms", "--invite-timeout must be from 1s to 30d, not '500ms'"),
            ("--backlog-after", "400d", "--backlog-after must be from 1m to 365d, not '400d'"),
        ] {
            let refused = try await SwarmdProcess.run([
                "simulate", "--generate", "10", "--staff", staff, flag, value,
            ])
            #expect(refused.status == 64, "\(flag) \(value): \(refused.err)")
            #expect(refused.err.contains(expected), "\(refused.err)")
        }
    }
}
