public import ServiceLifecycle
import SwarmProtocol
import SwarmStore
import Synchronization

/// Closes the open connections of revoked tokens.
///
/// Tokens are revoked by `swarmd token revoke`, another process writing the same database, so the
/// hub cannot be told; it looks instead. While any authenticated connection is open it reads the
/// token list every `revocationPoll` (500 ms by default) and closes each connection whose token
/// was revoked with 4003, after the frames already queued, so a revoke takes effect within about
/// that time. With no connection open it reads nothing.
public final class TokenWatch: Service, Sendable {
    private struct Watched {
        /// Token id → the connections authenticated with it.
        var connections: [Int64: [FanOut.ConnectionID: Outbox]] = [:]
    }

    private let store: any EventStore
    private let poll: Duration
    private let watched = Mutex(Watched())

    init(store: any EventStore, poll: Duration) {
        self.store = store
        self.poll = poll
    }

    /// Watches a connection authenticated with `token`.
    func watch(token: Int64, connection: FanOut.ConnectionID, outbox: Outbox) {
        watched.withLock { $0.connections[token, default: [:]][connection] = outbox }
    }

    /// Stops watching a connection that ended.
    func forget(token: Int64, connection: FanOut.ConnectionID) {
        watched.withLock { watched in
            watched.connections[token]?[connection] = nil
            if watched.connections[token]?.isEmpty == true { watched.connections[token] = nil }
        }
    }

    /// Closes the connections of the tokens revoked since the last look; returns how many it closed.
    @discardableResult
    public func check() async throws -> Int {
        let ids = watched.withLock { Set($0.connections.keys) }
        guard !ids.isEmpty else { return 0 }
        let revoked = try await store.tokens().filter { $0.revokedAt != nil && ids.contains($0.id) }.map(\.id)
        guard !revoked.isEmpty else { return 0 }
        let outboxes = watched.withLock { watched in
            revoked.flatMap { watched.connections.removeValue(forKey: $0)?.values.map { $0 } ?? [] }
        }
        for outbox in outboxes {
            outbox.close(code: CloseCode.tokenRevoked, reason: "the token was revoked")
        }
        return outboxes.count
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // A failed read is retried at the next poll; the connections stay open meanwhile.
            _ = try? await check()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.poll) }
        }
    }
}
