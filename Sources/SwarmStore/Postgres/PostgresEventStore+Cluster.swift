import Logging
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresEventStore {
    /// The channel `swarm_append` notifies with the new high `seq` (a decimal number: a few bytes,
    /// far under PostgreSQL's 8,000-byte payload limit).
    static let notifyChannel = "swarm_log"

    /// The advisory lock key of the timer lease.
    static let timerLeaseKey: Int64 = 0x5357_4152_4D01  // "SWARM\1"

    /// How long a broken connection waits before it is made again.
    static let reconnectDelay: Duration = .milliseconds(500)

    /// How often the listener reads the head on its own (a liveness check of its connection, and a
    /// catch-up should a notification ever be missed).
    static let probeInterval: Duration = .seconds(2)

    /// How long a query on a dedicated connection may take before the connection is given up.
    static let probeTimeout: Duration = .seconds(5)

    /// Follows the log on a dedicated connection: `LISTEN swarm_log`, then reads the head (so whatever
    /// committed while this node was not listening is caught up), then reports every announced `seq`,
    /// and reads the head again every ``probeInterval``, which also finds a connection the server
    /// ended without a word. A broken connection is made again after ``reconnectDelay``, and
    /// listening and the head read start over. Returns when the task is cancelled.
    public func followLog(_ advanced: @escaping @Sendable (Int64) -> Void) async throws {
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try location.connectionConfiguration(), id: connectionID, logger: logger)
                let logger = self.logger
                do {
                    try await connection.listen(on: Self.notifyChannel) { notifications in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            // Listening before reading the head: nothing committed after the read is missed.
                            group.addTask {
                                while true {
                                    let head = try await Self.guarded(connection) {
                                        var head: Int64 = 0
                                        for try await seq in try await connection.query(
                                            "SELECT seq FROM log_head", logger: logger
                                        ).decode(Int64.self) {
                                            head = seq
                                        }
                                        return head
                                    }
                                    advanced(head)
                                    try await Task.sleep(for: Self.probeInterval)
                                }
                            }
                            group.addTask {
                                for try await notification in notifications {
                                    if let seq = Int64(notification.payload) { advanced(seq) }
                                }
                                throw StoreError(.unavailable, "the notifications ended")
                            }
                            // Either ends only by an error (or cancellation): start over.
                            defer { group.cancelAll() }
                            try await group.next()
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "the log listener lost the database; reconnecting",
                    metadata: ["error": "\(Self.storeError(error, doing: "listen", at: location))"])
            }
            try? await Task.sleep(for: Self.reconnectDelay)
        }
    }

    /// Runs `body`, a query on `connection`; when it takes longer than ``probeTimeout`` (or the
    /// caller is cancelled) the connection is closed and the call fails, so the caller reconnects.
    ///
    /// Why not a task group: a query on a connection the server ended (a restart's fast shutdown)
    /// was seen never to complete, not even when the connection is closed, and a task group waits
    /// for every child. So the query runs in a task of its own that is abandoned when it does not
    /// answer: the caller never waits longer than ``probeTimeout``, at the price of one stuck task
    /// per such connection.
    static func guarded<Value: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let outcome = Mutex<CheckedContinuation<Value, any Error>?>(nil)
        let finish: @Sendable (Result<Value, any Error>) -> Void = { result in
            guard
                let continuation = outcome.withLock({ value in
                    defer { value = nil }; return value
                })
            else { return }
            if case .failure = result { connection.close().whenComplete { _ in _ = connection } }
            continuation.resume(with: result)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.withLock { $0 = continuation }
                Task {
                    do {
                        finish(.success(try await body()))
                    } catch {
                        finish(.failure(error))
                    }
                }
                Task {
                    try? await Task.sleep(for: probeTimeout)
                    finish(.failure(StoreError(.unavailable, "the database did not answer within \(probeTimeout)")))
                }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
    }

    /// Competes for the timer lease, `pg_try_advisory_lock` on a dedicated connection: the session
    /// that holds it is the one node whose timers fire. The holder checks its connection every
    /// `check`; when the connection breaks (or does not answer) it reports the loss at once (its
    /// session, and so the lock, is gone, or going) and competes again. When the holder's process
    /// dies, PostgreSQL ends its session and releases the lock, and another node takes it within
    /// `check`.
    public func holdTimerLease(_ changed: @escaping @Sendable (Bool) -> Void) async throws {
        try await holdTimerLease(check: .seconds(1), changed)
    }

    /// ``holdTimerLease(_:)`` with the interval between checks.
    public func holdTimerLease(check: Duration, _ changed: @escaping @Sendable (Bool) -> Void) async throws {
        var connectionID = 0
        let logger = self.logger
        while !Task.isCancelled {
            connectionID += 1
            var held = false
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try location.connectionConfiguration(), id: connectionID, logger: logger)
                do {
                    while !Task.isCancelled {
                        if held {
                            try await Self.guarded(connection) {
                                _ = try await connection.query("SELECT 1", logger: logger).collect()
                            }
                        } else {
                            let granted = try await Self.guarded(connection) {
                                var granted = false
                                for try await value in try await connection.query(
                                    "SELECT pg_try_advisory_lock(\(Self.timerLeaseKey))", logger: logger
                                ).decode(Bool.self) {
                                    granted = value
                                }
                                return granted
                            }
                            if granted {
                                held = true
                                logger.info("this node holds the timer lease")
                                changed(true)
                            }
                        }
                        try await Task.sleep(for: check)
                    }
                } catch {
                    // Closing the session releases the lock (if it still holds it).
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch  where !Task.isCancelled {
                logger.warning(
                    "the timer lease's connection failed; competing again",
                    metadata: ["error": "\(Self.storeError(error, doing: "hold the timer lease", at: location))"])
            } catch {}
            if held { changed(false) }
            if Task.isCancelled { return }
            try? await Task.sleep(for: Self.reconnectDelay)
        }
    }
}
