import Foundation
import Subprocess
import SwarmTestSupport
import Testing

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The built `swarm` binary, run the way a user runs it: its own config folder, no colour.
struct SwarmCLI {
    /// `XDG_CONFIG_HOME` for this user: profiles live under it.
    let configHome: URL
    /// Extra environment, such as `SWARM_TOKEN`.
    var environment: [String: String] = [:]

    init() throws {
        configHome = try temporaryDirectory().appendingPathComponent("config")
    }

    /// The profiles file this user's `swarm` writes.
    var profilesFile: URL { configHome.appendingPathComponent("swarm/profiles.json") }

    /// Where the binary is: `$SWARM_BIN`, or beside the test bundle in the build folder.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SWARM_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("swarm")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/swarm")
    }

    /// The environment `swarm` runs with: the test's, minus anything swarm reads, plus this user's.
    var processEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWARM_") }
        env["XDG_CONFIG_HOME"] = configHome.path
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "EDITOR")
        env.removeValue(forKey: "VISUAL")
        return env.merging(environment) { $1 }
    }

    struct Result {
        var status: Int32
        var out: String
        var err: String

        /// Standard output parsed as one JSON object.
        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(out.utf8))
            guard let dictionary = object as? [String: Any] else { throw TestFailure("not a JSON object: \(out)") }
            return dictionary
        }
    }

    /// Runs `swarm ARGS`, feeding `input` on standard input; waits for it to end.
    ///
    /// Through swift-subprocess, which waits without blocking a thread of Swift's small cooperative
    /// pool (that would starve the in-process hub the command talks to).
    @discardableResult
    func run(_ arguments: [String], input: String = "") async throws -> Result {
        let environment = Dictionary(
            uniqueKeysWithValues: processEnvironment.compactMap { key, value in
                Environment.Key(rawValue: key).map { ($0, value) }
            })
        let result = try await Subprocess.run(
            .path(FilePath(Self.binary.path)), arguments: Arguments(arguments), environment: .custom(environment),
            input: .string(input), output: .string(limit: .max), error: .string(limit: .max))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = signal
        }
        return Result(status: status, out: result.standardOutput, err: result.standardError)
    }

    /// Runs a command that must succeed and returns its `--json` output.
    func json(_ arguments: [String], input: String = "") async throws -> [String: Any] {
        let result = try await run(arguments + ["--json"], input: input)
        guard result.status == 0 else {
            throw TestFailure("swarm \(arguments.joined(separator: " ")) exited \(result.status): \(result.err)")
        }
        return try result.json()
    }
}
