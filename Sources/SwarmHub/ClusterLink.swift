import Logging
import ServiceLifecycle
import SwarmStore

/// A node's link to the other nodes on a shared log: it follows the log (each announced `seq` makes
/// the ledger catch up and publish what others committed to this node's sockets) and competes for
/// the timer lease (only its holder's ``Timers`` fire). Both run on their own database connections
/// and reconnect by themselves.
final class ClusterLink: Service, Sendable {
    private let store: any SharedEventStore
    private let ledger: Ledger
    private let timers: Timers
    private let logger: Logger

    init(store: any SharedEventStore, ledger: Ledger, timers: Timers, logger: Logger) {
        self.store = store
        self.ledger = ledger
        self.timers = timers
        self.logger = logger
    }

    func run() async throws {
        let store = self.store
        let ledger = self.ledger
        let timers = self.timers
        try? await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await store.followLog { seq in ledger.logAdvanced(to: seq) } }
                group.addTask { try await store.holdTimerLease { held in timers.leaseChanged(held) } }
            }
        }
    }
}
