import Logging
import ServiceLifecycle
import SwarmCore
import SwarmStore

/// What every consumer of the committed log that sends something out (the mailer, the webhooks) does
/// the same way: read the events after its durable cursor a page at a time, only as far as the ledger's
/// published state, and run its passes every `poll` while it may.
struct LogFollower: Sendable {
    let store: any LogStore
    let ledger: Ledger
    /// Events read at once.
    var pageSize = 256

    /// Calls `page` with each page of the events after `cursor` that the ledger's state already holds,
    /// that state, and the page's last `seq`, until it has caught up. `page` stores what the events
    /// cause together with the cursor's new place (that last `seq`), so each page is handled once.
    ///
    /// Only events the ledger's state holds: an event is in the store a moment before the snapshot that
    /// applied it is published (and on a cluster, before this node has followed it), and handling it
    /// against a state without its ticket would skip what it causes for good.
    func follow(
        after cursor: Int64,
        _ page: (_ events: [StoredEvent], _ state: SwarmState, _ through: Int64) async throws -> Void
    ) async throws {
        var cursor = cursor
        while true {
            let snapshot = ledger.snapshot
            let events = try await store.events(after: cursor, limit: pageSize).filter { $0.seq <= snapshot.seq }
            guard let last = events.last else { return }
            try await page(events, snapshot.state, last.seq)
            cursor = last.seq
        }
    }

    /// Runs `pass` every `poll` until the service is cancelled or shut down, skipping the passes while
    /// `mayRun` is false (on a cluster, only the node with the timer lease sends). A pass that throws is
    /// logged and tried again at the next poll: its items stay where the store has them.
    static func repeatedly(
        every poll: Duration, while mayRun: @Sendable () -> Bool, logger: Logger, what: String,
        _ pass: () async throws -> Void
    ) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if mayRun() {
                do {
                    try await pass()
                } catch {
                    logger.warning("\(what): \(error)")
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
        }
    }
}
