import Foundation
import SwarmTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
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
    /// The waiting happens on a thread of its own (``onOwnThread(_:)``): blocking a thread of
    /// Swift's small cooperative pool would starve the in-process hub the command talks to.
    @discardableResult
    func run(_ arguments: [String], input: String = "") async throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = processEnvironment
        let stdin = Pipe()
        let out = Pipe()
        let err = Pipe()
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return try await onOwnThread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
            let errors = Box()
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                errors.set(err.fileHandleForReading.readDataToEndOfFile())
                done.signal()
            }
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            done.wait()
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                err: String(decoding: errors.get(), as: UTF8.self))
        }
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

/// Data handed from a reader thread.
final class Box: Sendable {
    private let data = Mutex(Data())
    func set(_ value: Data) { data.withLock { $0 = value } }
    func get() -> Data { data.withLock { $0 } }
}
