public import Foundation
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The built `swarmd` binary, run as a real child process (through swift-subprocess, see
/// ``ChildProcess``).
public final class SwarmdProcess: Sendable {
    private let process: ChildProcess

    /// Where the binary is: `$SWARMD_BIN`, or beside the test bundle in the build folder.
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SWARMD_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test runner is `<build>/debug/swarmPackageTests.xctest`; elsewhere it may be nested.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("swarmd")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/swarmd")
    }

    /// Runs `swarmd` with `arguments` to completion; returns exit status, standard output and error.
    /// With `timeout`, a process still running then is sent SIGTERM (status: the signal's).
    public static func run(_ arguments: [String], timeout: Duration? = nil) async throws -> (
        status: Int32, out: String, err: String
    ) {
        let process = ChildProcess(binary.path, arguments)
        let timer = timeout.map { timeout in
            Task {
                try await Task.sleep(for: timeout)
                process.send(SIGTERM)
            }
        }
        defer { timer?.cancel() }
        let status = try await process.wait()
        return (status, process.output.value, process.errors.value)
    }

    /// Runs another program to completion (a tool the test needs, like `sqlite3`); returns its exit
    /// status. What it prints goes where the test's own output goes.
    public static func runTool(_ path: String, _ arguments: [String]) async throws -> Int32 {
        let result = try await Subprocess.run(
            .path(FilePath(path)), arguments: Arguments(arguments), output: .currentStandardOutput,
            error: .currentStandardError)
        switch result.terminationStatus {
        case .exited(let code): return code
        case .signaled(let signal): return signal
        }
    }

    /// Runs another program to completion and returns its exit status and what it printed (a query of
    /// `sqlite3`, say); what it prints on standard error goes where the test's own output goes.
    public static func toolOutput(_ path: String, _ arguments: [String]) async throws -> (Int32, String) {
        let result = try await Subprocess.run(
            .path(FilePath(path)), arguments: Arguments(arguments), output: .string(limit: 1 << 20),
            error: .currentStandardError)
        switch result.terminationStatus {
        case .exited(let code): return (code, result.standardOutput ?? "")
        case .signaled(let signal): return (signal, result.standardOutput ?? "")
        }
    }

    /// Starts `swarmd serve --port 0 --db PATH` and waits for its `listening on` line.
    ///
    /// - Parameter openFiles: runs it under `ulimit -n` this many file descriptors.
    public convenience init(serve databasePath: String, extra: [String] = [], openFiles: Int? = nil) async throws {
        try await self.init(serveArguments: ["--db", databasePath] + extra, openFiles: openFiles)
    }

    /// Starts `swarmd serve --port 0 --postgres URL` (a node of a cluster) and waits for its
    /// `listening on` line.
    public convenience init(postgres url: String, extra: [String] = []) async throws {
        try await self.init(serveArguments: ["--postgres", url] + extra)
    }

    /// Starts `swarmd serve --port 0 ARGUMENTS` and waits for its `listening on` line.
    ///
    /// - Parameter openFiles: runs it under `ulimit -n` this many file descriptors.
    public init(serveArguments: [String], openFiles: Int? = nil) async throws {
        let arguments = ["serve", "--port", "0", "--log-level", "warning"] + serveArguments
        if let openFiles {
            process = ChildProcess(
                "/bin/sh", ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", Self.binary.path] + arguments)
        } else {
            process = ChildProcess(Self.binary.path, arguments)
        }
        // Generous: at the start of a full run the test process starts a hundred suites at once on two
        // cores, and three tmux suites each starting a swarmd then waited more than 30 s for its line.
        let deadline = ContinuousClock.now + .seconds(90)
        while port == nil {
            guard process.isRunning else {
                let status = try await process.wait()
                throw TestFailure("swarmd exited (\(status)): \(process.errors.value)")
            }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("swarmd did not start listening within 90 s; it wrote: \(process.errors.value)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Everything printed on standard error (the log) so far.
    public var standardError: String { process.errors.value }

    /// The process id.
    public var pid: Int32 { process.pid ?? 0 }

    /// Sends a signal and waits at most `timeout` for the process to end; returns its status and
    /// how long it took, or `nil` (and kills it) when it did not end in time.
    public func stop(signal: Int32 = SIGTERM, within timeout: Duration) async -> (status: Int32, took: Duration)? {
        let start = ContinuousClock.now
        let process = self.process
        process.send(signal)
        let watchdog = Task {
            do { try await Task.sleep(for: timeout) } catch { return false }
            process.send(SIGKILL)
            return true
        }
        let status = (try? await process.wait()) ?? -1
        let took = ContinuousClock.now - start
        watchdog.cancel()
        return await watchdog.value ? nil : (status, took)
    }

    /// Everything printed on standard output so far.
    public var standardOutput: String { process.output.value }

    /// The port from the `listening on ws://127.0.0.1:PORT/v1/ws` line (`wss://` with TLS).
    public var port: Int? { listening?.port }

    /// Whether the `listening on` line says `wss://`: the hub serves TLS.
    public var isTLS: Bool { listening?.tls ?? false }

    private var listening: (port: Int, tls: Bool)? {
        let text = standardOutput
        for (prefix, tls) in [("listening on ws://127.0.0.1:", false), ("listening on wss://127.0.0.1:", true)] {
            guard let range = text.range(of: prefix) else { continue }
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            guard text[range.upperBound...].dropFirst(digits.count).hasPrefix("/v1/ws\n"), let port = Int(digits)
            else { return nil }
            return (port, tls)
        }
        return nil
    }

    /// The first admin token, when this start printed one.
    public var adminToken: String? {
        standardOutput.split(separator: "\n").first { $0.hasPrefix("swm_") }.map(String.init)
    }

    /// `ws://127.0.0.1:PORT/v1/ws`, or `wss://localhost:PORT/v1/ws` with TLS (the name in the
    /// test certificate: TLS clients check a DNS name, see ``TestCertificate``).
    public var url: String { isTLS ? "wss://localhost:\(port ?? 0)/v1/ws" : "ws://127.0.0.1:\(port ?? 0)/v1/ws" }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// Sends a signal and waits for the process to end; returns its termination status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) async -> Int32 {
        process.send(signal)
        return (try? await process.wait()) ?? -1
    }

    // Released while it runs, it is killed: ``ChildProcess`` does that when it is released.
}
