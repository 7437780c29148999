public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The built `swarmd` binary, run as a real child process.
public final class SwarmdProcess: Sendable {
    private let process: Process
    /// Text a child process printed, filled from a background reader.
    final class Captured: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var value: String { text.withLock { $0 } }
    }

    private let output = Captured()
    private let errors = Captured()

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
    /// With `timeout`, a process still running then is killed (status: the signal's). The waiting
    /// happens on a thread of its own (``onOwnThread(_:)``).
    public static func run(_ arguments: [String], timeout: Duration? = nil) async throws -> (
        status: Int32, out: String, err: String
    ) {
        try await onOwnThread { try runBlocking(arguments, timeout: timeout) }
    }

    private static func runBlocking(_ arguments: [String], timeout: Duration?) throws -> (
        status: Int32, out: String, err: String
    ) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let timeout {
            // Killed only while it still runs (its pid cannot have been reused before it is reaped).
            let running = process
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
            {
                if running.isRunning { running.terminate() }
            }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs another program to completion (a tool the test needs, like `sqlite3`); returns its exit status.
    public static func runTool(_ path: String, _ arguments: [String]) async throws -> Int32 {
        try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
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
        process = Process()
        let arguments = ["serve", "--port", "0", "--log-level", "warning"] + serveArguments
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = self.output
        let errors = self.errors
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.append(data)
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            errors.append(data)
        }
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while port == nil {
            guard process.isRunning else {
                throw TestFailure("swarmd exited (\(process.terminationStatus)): \(errors.value)")
            }
            guard ContinuousClock.now < deadline else { throw TestFailure("swarmd did not start listening") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Everything printed on standard error (the log) so far.
    public var standardError: String { errors.value }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Sends a signal and waits at most `timeout` for the process to end; returns its status and
    /// how long it took, or `nil` (and kills it) when it did not end in time.
    public func stop(signal: Int32 = SIGTERM, within timeout: Duration) async -> (status: Int32, took: Duration)? {
        let start = ContinuousClock.now
        kill(process.processIdentifier, signal)
        while process.isRunning {
            if ContinuousClock.now - start > timeout {
                kill(process.processIdentifier, SIGKILL)
                while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
                return nil
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return (process.terminationStatus, ContinuousClock.now - start)
    }

    /// Everything printed on standard output so far.
    public var standardOutput: String { output.value }

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
        kill(process.processIdentifier, signal)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
