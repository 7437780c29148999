import Logging
import NIOCore
import PostgresNIO

extension PostgresEventStore {
    /// The channel `swarm_append` notifies with the new high `seq` (a decimal number: a few bytes,
    /// far under PostgreSQL's 8,000-byte payload limit).
    static let notifyChannel = "swarm_log"

    /// The advisory lock key of the timer lease.
    static let timerLeaseKey: Int64 = 0x5357_4152_4D01  // "SWARM\1"

    /// How long a broken connection waits before it is made again.
    static let reconnectDelay: Duration = .milliseconds(500)

    /// Follows the log on a dedicated connection: `LISTEN swarm_log`, then reads the head once (so
    /// whatever committed while this node was not listening is caught up), then reports every
    /// announced `seq`. A broken connection is made again after ``reconnectDelay``, and listening and
    /// the head read start over. Returns when the task is cancelled.
    public func followLog(_ advanced: @escaping @Sendable (Int64) -> Void) async throws {
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try location.connectionConfiguration(), id: connectionID, logger: logger)
                do {
                    try await connection.listen(on: Self.notifyChannel) { notifications in
                        // Listening before reading the head: nothing committed after the read is missed.
                        for try await head in try await connection.query(
                            "SELECT seq FROM log_head", logger: logger
                        ).decode(Int64.self) {
                            advanced(head)
                        }
                        logger.debug("following the log", metadata: ["swarm.connection": "\(connectionID)"])
                        for try await notification in notifications {
                            if let seq = Int64(notification.payload) { advanced(seq) }
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

    /// Competes for the timer lease, `pg_try_advisory_lock` on a dedicated connection: the session
    /// that holds it is the one node whose timers fire. The holder checks its connection every
    /// `check`; when the connection breaks it reports the loss at once (its session, and so the
    /// lock, is gone, or going) and competes again. When the holder's process dies, PostgreSQL ends
    /// its session and releases the lock, and another node takes it within `check`.
    public func holdTimerLease(_ changed: @escaping @Sendable (Bool) -> Void) async throws {
        try await holdTimerLease(check: .seconds(1), changed)
    }

    /// ``holdTimerLease(_:)`` with the interval between checks.
    public func holdTimerLease(check: Duration, _ changed: @escaping @Sendable (Bool) -> Void) async throws {
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            var held = false
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try location.connectionConfiguration(), id: connectionID, logger: logger)
                defer { connection.close().whenComplete { _ in } }
                while !Task.isCancelled {
                    if held {
                        try await connection.query("SELECT 1", logger: logger)
                    } else {
                        for try await granted in try await connection.query(
                            "SELECT pg_try_advisory_lock(\(Self.timerLeaseKey))", logger: logger
                        ).decode(Bool.self) where granted {
                            held = true
                            logger.info("this node holds the timer lease")
                            changed(true)
                        }
                    }
                    try await Task.sleep(for: check)
                }
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
