import Subprocess
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Text a child process printed, filled as it arrives. Kept as bytes and decoded when read, so a
/// character split between two reads is not garbled.
final class Captured: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func append(_ buffer: SubprocessOutputSequence.Buffer) {
        buffer.withUnsafeBytes { chunk in bytes.withLock { $0.append(contentsOf: chunk) } }
    }
    var value: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// A program started through swift-subprocess and left running while the test goes on: its
/// standard output and error are read as they come (``output``, ``errors``), signals reach it
/// through ``send(_:)``, and ``wait()`` awaits its end.
///
/// swift-subprocess keeps a child to the closure of its `run`, so that `run` is awaited in a task of
/// this object's own; the closure reads both streams to their end and forwards the signals asked
/// for with `Execution.send(signal:)` (through the pidfd: never to another process that got the pid
/// after this one was reaped). Released while the child still runs, the task is cancelled, and the
/// cancellation's teardown kills the child (SIGKILL): no child outlives the object that owns it.
final class ChildProcess: Sendable {
    /// What the child printed on standard output and on standard error so far.
    let output: Captured
    let errors: Captured

    private struct State {
        var pid: Int32?
        var status: Int32?
        var failure: (any Error)?
    }

    /// Shared with the task that runs the child (which must not hold the object itself: it is
    /// released, and the child killed, while the task still runs).
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let shared: Shared
    private let signals: AsyncStream<Int32>.Continuation
    private let task: Task<Void, Never>

    /// Starts `executable` with `arguments`, standard input closed (`/dev/null`).
    init(_ executable: String, _ arguments: [String]) {
        let (signalStream, signals) = AsyncStream<Int32>.makeStream()
        self.signals = signals
        let output = Captured()
        let errors = Captured()
        let shared = Shared()
        (self.output, self.errors, self.shared) = (output, errors, shared)
        task = Task {
            do {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), input: .none,
                    output: .sequence, error: .sequence
                ) { execution in
                    shared.state.withLock { $0.pid = execution.processIdentifier.value }
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await signal in signalStream { try? execution.send(signal: Signal(rawValue: signal)) }
                        }
                        async let readOutput: Void = ChildProcess.read(execution.standardOutput, into: output)
                        async let readErrors: Void = ChildProcess.read(execution.standardError, into: errors)
                        _ = await (readOutput, readErrors)
                        // Both streams ended: the child exited (or closed them). Stop forwarding.
                        group.cancelAll()
                    }
                }
                let status: Int32
                switch result.terminationStatus {
                case .exited(let code): status = code
                case .signaled(let signal): status = signal
                }
                shared.state.withLock { $0.status = status }
            } catch {
                shared.state.withLock { $0.failure = error }
            }
        }
    }

    private static func read(_ stream: SubprocessOutputSequence, into captured: Captured) async {
        do {
            for try await buffer in stream { captured.append(buffer) }
        } catch {
            // The stream ends with an error when swift-subprocess stops reading because the child
            // exited while something it started still holds the pipe: what was read is kept.
        }
    }

    /// The process id, once it was started.
    var pid: Int32? { shared.state.withLock { $0.pid } }

    /// Whether it has not ended yet (nor failed to start).
    var isRunning: Bool { shared.state.withLock { $0.status == nil && $0.failure == nil } }

    /// Its exit status, or the number of the signal that ended it, once it ended.
    var status: Int32? { shared.state.withLock { $0.status } }

    /// Sends `signal` to the child, if it still runs.
    func send(_ signal: Int32) { signals.yield(signal) }

    /// Waits for the child to end; returns its exit status, or the number of the signal that ended it
    /// (as Foundation's `Process.terminationStatus` did). Throws when it could not be started.
    @discardableResult
    func wait() async throws -> Int32 {
        await task.value
        return try shared.state.withLock { state in
            if let failure = state.failure { throw failure }
            return state.status ?? -1
        }
    }

    /// Stops the child: SIGTERM, SIGKILL if it still runs after `grace`; waits for it to end.
    func stop(grace: Duration = .seconds(5)) async {
        guard isRunning else { return }
        send(SIGTERM)
        let watchdog = Task { [self] in
            try await Task.sleep(for: grace)
            send(SIGKILL)
        }
        _ = try? await wait()
        watchdog.cancel()
    }

    deinit {
        signals.finish()
        task.cancel()
    }
}
