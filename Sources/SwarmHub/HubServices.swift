public import Logging
public import SwarmConfiguration
import SwarmCore
import SwarmProtocol
public import SwarmStore

/// What request handlers and sessions share: the store, the ledger, fan-out, timers, presence and
/// configuration.
public struct HubServices: Sendable {
    public let store: any EventStore
    /// The log's epoch, read once at start: in `welcome` and every subscribe ack, and checked against a
    /// subscribe's `epoch` (Protocol §11). Nodes of a cluster share it with their database.
    public let epoch: String
    public let ledger: Ledger
    public let fanOut: FanOut
    public let timers: Timers
    /// The figures `GET /metrics` serves: this hub's own Prometheus registry.
    public let telemetry: HubTelemetry
    public let metricsFeed: MetricsFeed
    public let tokenWatch: TokenWatch
    /// The bounds per principal across connections and REST.
    let limits: PrincipalLimits
    let suggestions: KnowledgeSuggestions
    let pruning: CommandPruning
    let presence: PresenceTracker
    /// On a shared log (PostgreSQL): the log listener and the timer lease; `nil` on SQLite.
    let cluster: ClusterLink?
    public let configuration: HubConfiguration
    public let clock: HubClock
    public let logger: Logger

    /// Opens the hub's services on a store: replays the log into a new ledger.
    ///
    /// - Parameter telemetry: where the hub counts what operators watch; a new registry by default,
    ///   so every hub in a process counts its own.
    public init(
        store: any EventStore, configuration: HubConfiguration, clock: @escaping HubClock = systemClock,
        logger: Logger, telemetry: HubTelemetry = HubTelemetry()
    ) async throws {
        let fanOut = FanOut()
        self.store = store
        self.epoch = try await store.epoch()
        self.fanOut = fanOut
        self.telemetry = telemetry
        let ledger = try await Ledger(
            store: store, fanOut: fanOut, configuration: configuration, clock: clock, logger: logger,
            telemetry: telemetry)
        self.ledger = ledger
        let shared = store as? any SharedEventStore
        let timers = Timers(
            ledger: ledger, clock: clock, configuration: configuration, holdsLease: shared == nil, telemetry: telemetry)
        self.timers = timers
        self.cluster = shared.map { ClusterLink(store: $0, ledger: ledger, timers: timers, logger: logger) }
        self.metricsFeed = MetricsFeed(
            ledger: ledger, fanOut: fanOut, clock: clock, interval: configuration.metricsInterval)
        self.suggestions = KnowledgeSuggestions(
            store: store, ledger: ledger, limit: configuration.kbSuggestions, logger: logger)
        self.tokenWatch = TokenWatch(store: store, poll: configuration.revocationPoll)
        self.limits = PrincipalLimits(
            configuration: PrincipalLimits.Configuration(
                connectionsPerToken: configuration.connectionsPerToken, rate: configuration.principalRate,
                burst: configuration.principalBurst, requesterBytesPerHour: configuration.requesterBytesPerHour,
                requesterBytesPerTicket: configuration.requesterBytesPerTicket),
            telemetry: telemetry)
        self.pruning = CommandPruning(store: store, clock: clock, configuration: configuration, logger: logger)
        self.presence = PresenceTracker(ledger: ledger, grace: configuration.presenceGrace)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        // On a shared log the agents the log shows online may be connected to other nodes: this node
        // must not take them offline (docs/operations.md, "Running a cluster").
        if shared == nil { presence.start(with: ledger.snapshot.state) }
        configureQueues()
    }

    /// Makes the log's queue modes those of the configuration: each difference is a
    /// `queue.configured` event, decided before any command that arrives after start. Queues the
    /// log has configured and the configuration no longer lists go back to swarming.
    private func configureQueues() {
        let logged = ledger.snapshot.state.queueModes
        var wanted = configuration.swarm.queues.mapValues(\.mode)
        for queue in logged.keys where wanted[queue] == nil { wanted[queue] = .swarm }
        for (queue, mode) in wanted.sorted(by: { $0.key < $1.key }) where (logged[queue] ?? .swarm) != mode {
            ledger.submit(.configureQueue(queue: queue, mode: mode), by: .system, id: nil) { _ in }
        }
    }
}
