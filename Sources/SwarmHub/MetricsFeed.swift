import Foundation
import NIOCore
public import ServiceLifecycle
import SwarmMetrics
import SwarmProtocol
import Synchronization

/// Pushes `metrics.updated` frames to the `metrics` channel: the report of the whole log, at most
/// once per `metricsInterval`, when the log has changed since the last push (or a minute has passed,
/// so the backlog's age moves on). Nothing is computed while nobody is subscribed. The frames are
/// not logged: a report is a function of the log (invariant 5).
public final class MetricsFeed: Service, Sendable {
    private let ledger: Ledger
    private let fanOut: FanOut
    private let clock: HubClock
    private let interval: Duration
    private let last = Mutex<(seq: Int64, at: Timestamp)?>(nil)

    init(ledger: Ledger, fanOut: FanOut, clock: @escaping HubClock, interval: Duration) {
        self.ledger = ledger
        self.fanOut = fanOut
        self.clock = clock
        self.interval = interval
    }

    /// The current report as a `metrics.updated` frame.
    func frame() -> WireFrame? {
        let report = ledger.metricsCollector.report(now: clock())
        guard let bytes = try? SwarmJSON.shared.encode(MetricsUpdated(report: report)) else { return nil }
        return WireFrame(json: bytes)
    }

    /// Pushes a new report if subscribers wait for one and something changed.
    func pushIfChanged() {
        guard fanOut.subscriberCount(on: Channel.metrics.description) > 0 else { return }
        let seq = ledger.snapshot.seq
        let now = clock()
        let due = last.withLock { last in
            guard let previous = last else { return true }
            return previous.seq != seq || now.milliseconds - previous.at.milliseconds >= 60_000
        }
        guard due else { return }
        // The report's own seq is recorded: the ledger updates its snapshot just before the metrics,
        // so a report taken in between covers less, and the next turn pushes again.
        let report = ledger.metricsCollector.report(now: now)
        guard let bytes = try? SwarmJSON.shared.encode(MetricsUpdated(report: report)) else { return }
        last.withLock { $0 = (report.seq, now) }
        fanOut.publishEphemeral(WireFrame(json: bytes), on: Channel.metrics.description, except: 0)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            pushIfChanged()
            try? await Task.sleep(for: interval)
        }
    }
}
