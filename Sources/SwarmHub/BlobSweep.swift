import Logging
import ServiceLifecycle
import SwarmCore
import SwarmProtocol
import SwarmStore

/// Removes what attachments leave behind, once at start and then every hour: uploads a crash cut off,
/// and blobs no attachment names (stored, then refused — the ticket closed or full meanwhile). Only what
/// is older than ``age``, so no upload still running and no command still on its way to the log is
/// touched; on a cluster only the node that holds the timer lease sweeps, and an hour is far more than
/// any node's lag behind the shared log.
final class BlobSweep: Service, Sendable {
    private let store: any EventStore
    private let ledger: Ledger
    private let clock: HubClock
    private let mayRun: @Sendable () -> Bool
    private let logger: Logger
    /// How old an upload or an unnamed blob must be to go.
    static let age: Int64 = 3_600_000

    init(
        store: any EventStore, ledger: Ledger, clock: @escaping HubClock, mayRun: @escaping @Sendable () -> Bool,
        logger: Logger
    ) {
        self.store = store
        self.ledger = ledger
        self.clock = clock
        self.mayRun = mayRun
        self.logger = logger
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if mayRun() {
                do {
                    try await sweep()
                } catch {
                    logger.warning("could not sweep attachments' leftovers", metadata: ["error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// One sweep; what it removed.
    @discardableResult func sweep() async throws -> (uploads: Int, blobs: Int) {
        let before = clock().adding(milliseconds: -Self.age)
        let uploads = try await store.discardUploads(startedBefore: before)
        let named = Set(ledger.snapshot.state.tickets.values.lazy.flatMap(\.attachments).map(\.sha256))
        let blobs = try await store.deleteBlobs(except: named, createdBefore: before)
        if uploads + blobs > 0 {
            logger.info(
                "swept attachments' leftovers", metadata: ["swarm.uploads": "\(uploads)", "swarm.blobs": "\(blobs)"])
        }
        return (uploads, blobs)
    }
}
