import CoreMetrics
public import ServiceLifecycle
import SwarmConfiguration
import SwarmCore
public import SwarmProtocol
import Synchronization

/// Fires the deadlines the state holds (invitation timeouts, backlog) by submitting `tick` to the
/// ledger when the earliest is due. Deadlines are derived from the log, so after a restart none is
/// lost; firing changes the state, so none fires twice.
///
/// The earliest deadline comes with every committed snapshot (the ledger keeps a ``DeadlineIndex``
/// for the tickets each batch touches), so nothing scans the tickets. It sleeps until that
/// deadline, but never longer than `timerPoll`, so commits that make an earlier deadline, and
/// injected clocks that jump, are noticed within that time.
public final class Timers: Service, Sendable {
    private let ledger: Ledger
    private let clock: HubClock
    private let configuration: HubConfiguration
    private let lease: Mutex<Bool>
    private let telemetry: HubTelemetry

    /// - Parameter holdsLease: whether this node's timers fire from the start: a hub alone on its
    ///   log always fires them; a node of a cluster only while it holds the timer lease.
    init(
        ledger: Ledger, clock: @escaping HubClock, configuration: HubConfiguration, holdsLease: Bool = true,
        telemetry: HubTelemetry = HubTelemetry()
    ) {
        self.ledger = ledger
        self.telemetry = telemetry
        self.clock = clock
        self.configuration = configuration
        self.lease = Mutex(holdsLease)
    }

    /// The earliest pending deadline.
    public var nextDeadline: Timestamp? { ledger.snapshot.nextDeadline }

    /// Whether this node fires timers: on a shared log exactly one node does, the holder of the
    /// timer lease (``SharedEventStore/holdTimerLease(_:)``).
    public var holdsLease: Bool { lease.withLock { $0 } }

    /// Called when this node gains or loses the timer lease.
    func leaseChanged(_ held: Bool) {
        lease.withLock { $0 = held }
    }

    /// Fires what is due now, and waits until its events are committed.
    public func fireDue() async {
        guard holdsLease, let next = nextDeadline, next <= clock() else { return }
        _ = await ledger.submit(.tick, by: .system, id: nil)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var next = nextDeadline
            if let due = next, case let now = clock(), due <= now, holdsLease {
                // How late the deadline fires: the poll, a busy writer, or a clock that jumped.
                telemetry.timerLag.recordMilliseconds(now.milliseconds - due.milliseconds)
                _ = await ledger.submit(.tick, by: .system, id: nil)
                next = nextDeadline
            }
            var wait = configuration.timerPoll
            if let next {
                wait = min(wait, .milliseconds(max(0, next.milliseconds - clock().milliseconds)))
            }
            try? await gracefulShutdown(sleeping: max(wait, .milliseconds(5)))
        }
    }

    private func gracefulShutdown(sleeping duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}

/// Counts each agent's open connections and turns presence into events: the first connection
/// brings an offline agent back (to the status they chose last), and an agent with no connection
/// for the grace period goes offline — so a reconnect does not flap.
final class PresenceTracker: Sendable {
    private let ledger: Ledger
    private let grace: Duration
    private let counts = Mutex<[String: Int]>([:])

    init(ledger: Ledger, grace: Duration) {
        self.ledger = ledger
        self.grace = grace
    }

    /// After a restart nobody is connected: agents the log shows online go offline unless they
    /// reconnect within the grace period.
    func start(with state: SwarmState) {
        for (agent, profile) in state.agents where profile.presence != .offline {
            scheduleOffline(agent)
        }
    }

    /// Counts a new connection; the first one brings the agent online and returns once that is committed.
    func connected(_ agent: String) async {
        let first = counts.withLock { counts -> Bool in
            counts[agent, default: 0] += 1
            return counts[agent] == 1
        }
        if first { _ = await ledger.submit(.connected(agent: agent), by: .system, id: nil) }
    }

    func disconnected(_ agent: String) {
        let last = counts.withLock { counts -> Bool in
            counts[agent, default: 1] -= 1
            if counts[agent] == 0 {
                counts[agent] = nil
                return true
            }
            return false
        }
        if last { scheduleOffline(agent) }
    }

    private func scheduleOffline(_ agent: String) {
        let grace = self.grace
        Task { [weak self] in
            try? await Task.sleep(for: grace)
            guard let self, self.counts.withLock({ $0[agent] == nil }) else { return }
            self.ledger.submit(.disconnected(agent: agent), by: .system, id: nil) { _ in }
        }
    }
}
