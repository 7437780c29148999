import Foundation

/// Runs blocking work — waiting for a child process, reading a pipe to its end — on a thread of
/// its own and awaits the result.
///
/// Swift's cooperative pool has one thread per core (two on the project's machine): a test that
/// blocks one of them halves what every other test running beside it, and the in-process hubs
/// they talk to, can do, and their timeouts start failing under load.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
