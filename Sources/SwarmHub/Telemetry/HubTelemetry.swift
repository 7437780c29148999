import CoreMetrics
public import Prometheus
import SwarmCore
import SwarmProtocol
import SwarmStore
import Synchronization

/// The figures operators watch (`GET /metrics`, docs/operations.md "Prometheus metrics"), as
/// swift-metrics handles made by one hub's own Prometheus registry.
///
/// Every handle is made here, once, through an explicit factory over ``registry``, never through
/// `MetricsSystem.factory`: a process may run several hubs (the tests do), and each must count its
/// own. `swarmd serve` also bootstraps the global metrics system with a factory over the same
/// registry, so what libraries record lands beside these figures.
///
/// On the hot paths a figure costs one relaxed atomic add on a handle made in `init` (frames in,
/// frames out per write, slow-consumer closes); gauges the hub can read off its own state
/// (connections, subscriptions, `seq`) are set when `/metrics` is scraped, so they cost nothing in
/// between. No label carries a ticket id, an agent, a token or a channel: labels are command types,
/// error codes and close codes, fixed sets.
public final class HubTelemetry: Sendable {
    /// Where every figure of this hub is registered; `GET /metrics` emits it.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// Open WebSocket connections (set at scrape).
    let connections: CoreMetrics.Gauge
    /// WebSocket connections accepted since start.
    let connectionsOpened: CoreMetrics.Counter
    /// Channel subscriptions of all open connections (set at scrape).
    let subscriptions: CoreMetrics.Gauge
    /// Frames read from WebSocket connections.
    let framesIn: CoreMetrics.Counter
    /// Frames written to WebSocket connections (events, acks, errors, replies).
    let framesOut: CoreMetrics.Counter
    /// Connections closed with 4008 because they fell behind.
    let slowConsumerCloses: CoreMetrics.Counter
    /// Close frames the hub sent, by close code.
    private let closes: [UInt16: CoreMetrics.Counter]
    /// Error frames sent on WebSocket connections, by error code.
    private let errors: [ErrorCode: CoreMetrics.Counter]
    /// Refusals of the per-principal bounds (``PrincipalLimits``), by limit.
    private let limits: [String: CoreMetrics.Counter]
    /// Tries of outgoing mail by result: `sent`, `deferred` (a temporary failure, tried again), `failed`.
    private let mailOut: [String: CoreMetrics.Counter]
    /// Messages `POST /v1/mail` took, by outcome: `opened`, `commented`, `ignored`, `rejected`.
    private let mailIn: [MailOutcome.Outcome: CoreMetrics.Counter]
    private let mailFiles: [MailFile.Result: CoreMetrics.Counter]
    /// How long the oldest mail still waiting has waited, in seconds (0 when none waits).
    let mailQueueAge: CoreMetrics.Gauge
    /// Tries of outgoing webhooks by result: `sent`, `deferred` (a temporary failure, tried again), `failed`.
    private let webhookOut: [String: CoreMetrics.Counter]
    /// How long the oldest webhook delivery still waiting has waited, in seconds (0 when none waits).
    let webhookQueueAge: CoreMetrics.Gauge
    /// Commands the ledger decided, by type and outcome; made when first seen.
    private let commands = Mutex<[CommandKey: CoreMetrics.Counter]>([:])
    /// Commands in one group commit.
    let batchSize: CoreMetrics.Recorder
    /// How long one group commit's append (the transaction and its fsync) took.
    let commitLatency: CoreMetrics.Timer
    /// How long rebuilding the state from the log took at start.
    let logReplay: CoreMetrics.Gauge
    /// How long a `subscribe` with `since` took to queue what was missed.
    let resume: CoreMetrics.Timer
    /// How late the timer fired a deadline.
    let timerLag: CoreMetrics.Timer
    /// The last committed `seq` (set at scrape).
    let seq: CoreMetrics.Gauge
    /// `sla.warning` and `sla.breached` events this hub committed.
    let slaWarnings: CoreMetrics.Counter
    let slaBreaches: CoreMetrics.Counter

    private struct CommandKey: Hashable {
        var type: String
        var outcome: String
    }

    /// The close codes counted by ``closed(code:)``; others are counted as `other`.
    static let closeCodes: [UInt16] = [
        CloseCode.goingAway, CloseCode.helloTimeout, CloseCode.tokenRevoked, CloseCode.slowConsumer,
        CloseCode.flood, CloseCode.internalError,
    ]

    /// Makes every figure in `registry` (a new one by default: one per hub).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "swarm_commit_duration_seconds": [
                .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .milliseconds(2500),
            ],
            "swarm_timer_lag_seconds": [
                .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(30),
            ],
            "swarm_resume_duration_seconds": [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30),
            ],
        ]
        factory.valueHistogramBuckets = ["swarm_commit_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]]
        self.factory = factory
        connections = CoreMetrics.Gauge(label: "swarm_connections", factory: factory)
        connectionsOpened = CoreMetrics.Counter(label: "swarm_connections_opened_total", factory: factory)
        subscriptions = CoreMetrics.Gauge(label: "swarm_subscriptions", factory: factory)
        framesIn = CoreMetrics.Counter(label: "swarm_frames_received_total", factory: factory)
        framesOut = CoreMetrics.Counter(label: "swarm_frames_sent_total", factory: factory)
        slowConsumerCloses = CoreMetrics.Counter(label: "swarm_slow_consumer_closes_total", factory: factory)
        var closes: [UInt16: CoreMetrics.Counter] = [:]
        for code in Self.closeCodes {
            closes[code] = CoreMetrics.Counter(
                label: "swarm_closes_total", dimensions: [("code", "\(code)")], factory: factory)
        }
        closes[0] = CoreMetrics.Counter(label: "swarm_closes_total", dimensions: [("code", "other")], factory: factory)
        self.closes = closes
        var errors: [ErrorCode: CoreMetrics.Counter] = [:]
        for code in ErrorCode.allCases {
            errors[code] = CoreMetrics.Counter(
                label: "swarm_errors_total", dimensions: [("code", code.rawValue)], factory: factory)
        }
        self.errors = errors
        batchSize = CoreMetrics.Recorder(label: "swarm_commit_batch_size", factory: factory)
        commitLatency = CoreMetrics.Timer(label: "swarm_commit_duration_seconds", factory: factory)
        logReplay = CoreMetrics.Gauge(label: "swarm_log_replay_seconds", factory: factory)
        resume = CoreMetrics.Timer(label: "swarm_resume_duration_seconds", factory: factory)
        timerLag = CoreMetrics.Timer(label: "swarm_timer_lag_seconds", factory: factory)
        seq = CoreMetrics.Gauge(label: "swarm_event_log_seq", factory: factory)
        slaWarnings = CoreMetrics.Counter(
            label: "swarm_sla_events_total", dimensions: [("kind", "warning")], factory: factory)
        slaBreaches = CoreMetrics.Counter(
            label: "swarm_sla_events_total", dimensions: [("kind", "breach")], factory: factory)
        var limits: [String: CoreMetrics.Counter] = [:]
        for limit in ["connections", "principal_rate", "requester_bytes_hour", "requester_bytes_ticket"] {
            limits[limit] = CoreMetrics.Counter(
                label: "swarm_limit_refusals_total", dimensions: [("limit", limit)], factory: factory)
        }
        self.limits = limits
        var mailOut: [String: CoreMetrics.Counter] = [:]
        for result in ["sent", "deferred", "failed"] {
            mailOut[result] = CoreMetrics.Counter(
                label: "swarm_mail_out_total", dimensions: [("result", result)], factory: factory)
        }
        self.mailOut = mailOut
        var mailIn: [MailOutcome.Outcome: CoreMetrics.Counter] = [:]
        for outcome in MailOutcome.Outcome.allCases {
            mailIn[outcome] = CoreMetrics.Counter(
                label: "swarm_mail_in_total", dimensions: [("outcome", outcome.rawValue)], factory: factory)
        }
        self.mailIn = mailIn
        var mailFiles: [MailFile.Result: CoreMetrics.Counter] = [:]
        for result in MailFile.Result.allCases {
            mailFiles[result] = CoreMetrics.Counter(
                label: "swarm_mail_files_total", dimensions: [("result", result.rawValue)], factory: factory)
        }
        self.mailFiles = mailFiles
        mailQueueAge = CoreMetrics.Gauge(label: "swarm_mail_queue_age_seconds", factory: factory)
        var webhookOut: [String: CoreMetrics.Counter] = [:]
        for result in ["sent", "deferred", "failed"] {
            webhookOut[result] = CoreMetrics.Counter(
                label: "swarm_webhook_out_total", dimensions: [("result", result)], factory: factory)
        }
        self.webhookOut = webhookOut
        webhookQueueAge = CoreMetrics.Gauge(label: "swarm_webhook_queue_age_seconds", factory: factory)
    }

    /// Counts a try of an outgoing webhook delivery: `sent`, `deferred` or `failed`.
    func webhookTried(_ result: String) {
        webhookOut[result]?.increment()
    }

    /// Counts a try of an outgoing mail: `sent`, `deferred` or `failed`.
    func mailTried(_ result: String) {
        mailOut[result]?.increment()
    }

    /// Counts a message taken by `POST /v1/mail`, by what it did.
    func mailTaken(_ outcome: MailOutcome.Outcome) {
        mailIn[outcome]?.increment()
    }

    /// Counts a file of a message taken by `POST /v1/mail`, by what became of it.
    func mailFile(_ result: MailFile.Result) {
        mailFiles[result]?.increment()
    }

    /// Counts a refusal of a per-principal bound.
    func limited(_ limit: String) {
        limits[limit]?.increment()
    }

    /// Counts an error frame sent on a connection.
    func error(_ code: ErrorCode) {
        errors[code]?.increment()
    }

    /// Counts a close frame the hub sent.
    func closed(code: UInt16) {
        (closes[code] ?? closes[0])?.increment()
    }

    /// Counts a command the ledger decided: `outcome` is `ok` or the refusal's error code.
    func command(_ command: Command, outcome: String) {
        let key = CommandKey(type: command.label, outcome: outcome)
        // One writer calls this, once per command (not per delivered frame): the lock is uncontended.
        let counter = commands.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "swarm_commands_total", dimensions: [("type", key.type), ("outcome", key.outcome)],
                factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts the SLA events of a committed batch.
    func committed(_ events: [StoredEvent]) {
        for stored in events {
            switch stored.event.payload {
            case .slaWarning: slaWarnings.increment()
            case .slaBreached: slaBreaches.increment()
            default: continue
            }
        }
    }

    /// The figures in the Prometheus text format, the gauges set first from their sources: fan-out's
    /// connections and subscriptions, and the ledger's `seq`.
    func scrape(fanOut: FanOut, ledger: Ledger) -> [UInt8] {
        connections.record(fanOut.connectionCount)
        subscriptions.record(fanOut.subscriptionTotal)
        seq.record(ledger.snapshot.seq)
        return registry.emitToBuffer()
    }
}

extension Duration {
    /// The duration in seconds, for gauges.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in nanoseconds, for timers.
    var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
