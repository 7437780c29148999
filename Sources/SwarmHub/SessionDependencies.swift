import SwarmConfiguration
import SwarmCore
import SwarmStore

/// What a ``Session`` uses, and nothing else: the parts of the hub it talks to and the few
/// configuration values it reads. The composition root (``Hub``) builds it once; the WebSocket
/// endpoint hands it to every session it makes, and a test builds one over an in-memory store.
struct SessionDependencies: Sendable {
    /// Where `hello` checks tokens, `kb.search` searches, a resume replays from, and a command's
    /// named agent is looked up.
    let store: any EventStore
    /// The log's epoch, read once at start: in `welcome` and every subscribe ack, and checked against a
    /// subscribe's `epoch` (Protocol §11).
    let epoch: String
    /// The state subscriptions are authorized against, and where commands go.
    let ledger: Ledger
    /// The connection's subscriptions and the ephemeral notices it publishes.
    let fanOut: FanOut
    /// The bounds per principal across connections and REST.
    let limits: PrincipalLimits
    /// Closes the connection when its token is revoked.
    let tokenWatch: TokenWatch
    /// Agents online while they have a connection (and a grace period after).
    let presence: PresenceTracker
    /// The current report a `metrics` subscription starts with.
    let metricsFeed: MetricsFeed
    /// Error frames by code, and the time a resume takes.
    let telemetry: HubTelemetry
    /// The time of ephemeral notices.
    let clock: HubClock
    /// The values of the hub's configuration a session reads.
    let configuration: SessionConfiguration

    /// Gathers a session's dependencies.
    init(
        store: any EventStore, epoch: String, ledger: Ledger, fanOut: FanOut, limits: PrincipalLimits,
        tokenWatch: TokenWatch, presence: PresenceTracker, metricsFeed: MetricsFeed, telemetry: HubTelemetry,
        clock: @escaping HubClock, configuration: SessionConfiguration
    ) {
        self.store = store
        self.epoch = epoch
        self.ledger = ledger
        self.fanOut = fanOut
        self.limits = limits
        self.tokenWatch = tokenWatch
        self.presence = presence
        self.metricsFeed = metricsFeed
        self.telemetry = telemetry
        self.clock = clock
        self.configuration = configuration
    }
}

/// The values of ``HubConfiguration`` a ``Session`` reads, so its dependence on the configuration is
/// as visible as its dependence on the hub's parts.
struct SessionConfiguration: Sendable {
    /// The server name `welcome` carries.
    var serverName: String
    /// The connection's own rate limit: commands per second, its burst, and the refusals in a row
    /// after which the connection is closed as a flood (``RateLimiter``).
    var commandRate: Double
    var commandBurst: Double
    var floodCloseAfter: Int
    /// The channels one connection may subscribe to.
    var maxSubscriptions: Int
    /// The skill tags `skill:` channels are checked against.
    var taxonomy: Taxonomy
    /// The outbox's limits, frames and bytes: a replay hands it a quarter of them at a time.
    var outboundQueueLimit: Int
    var outboundQueueBytes: Int
    /// Whether the log is shared with other nodes (PostgreSQL): a subscribe then first catches up with
    /// what they committed.
    var followsSharedLog: Bool
    /// The domains whose addresses staff may open tickets for (``RequesterCheck``).
    var mailDomains: [String]

    /// The session's values of a hub configuration.
    init(_ configuration: HubConfiguration, followsSharedLog: Bool) {
        self.serverName = configuration.serverName
        self.commandRate = configuration.commandRate
        self.commandBurst = configuration.commandBurst
        self.floodCloseAfter = configuration.floodCloseAfter
        self.maxSubscriptions = configuration.maxSubscriptions
        self.taxonomy = configuration.swarm.taxonomy
        self.outboundQueueLimit = configuration.outboundQueueLimit
        self.outboundQueueBytes = configuration.outboundQueueBytes
        self.followsSharedLog = followsSharedLog
        self.mailDomains = configuration.mailDomains
    }
}
