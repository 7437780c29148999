public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
public import Logging
import NIOCore
public import SwarmConfiguration
import SwarmCore
import SwarmFiles
import SwarmMail
import SwarmProtocol
public import SwarmStore

/// The hub, and its composition root: it opens the log into a ledger, builds each part once and
/// hands every part what it uses, in its initialiser; ``application(onListening:)`` serves them.
///
/// It is the one place that knows all the parts, because it owns their lifecycle (the services of
/// the application's `ServiceGroup`); no part is given it. What a part depends on is what its
/// initialiser takes: a ``Session`` its ``SessionDependencies``, a route collection its ledger and
/// store, the `/metrics` endpoint a scrape of the telemetry.
public struct Hub: Sendable {
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
    let blobSweep: BlobSweep
    let presence: PresenceTracker
    /// The mail out, when a relay is configured (`--smtp`).
    let mailer: Mailer?
    /// The outgoing webhooks, when the configuration file names any (`webhooks:`).
    let webhooks: WebhookSender?
    /// On a shared log (PostgreSQL): the log listener and the timer lease; `nil` on SQLite.
    let cluster: ClusterLink?
    /// The media types of uploads, from their bytes (libmagic).
    let sniffer: MediaSniffer
    public let configuration: HubConfiguration
    public let clock: HubClock
    public let logger: Logger

    /// Opens the hub on a store: replays the log into a new ledger and builds the parts around it.
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
        self.blobSweep = BlobSweep(
            store: store, ledger: ledger, clock: clock, mayRun: { timers.holdsLease }, logger: logger)
        self.presence = PresenceTracker(ledger: ledger, grace: configuration.presenceGrace)
        self.mailer = configuration.mailOut.map { mail in
            Mailer(
                store: store, ledger: ledger,
                relay: SMTPRelay(url: mail.relay, credentials: mail.credentials),
                configuration: Mailer.Configuration(
                    from: MailAddress(mail.from.address, name: mail.from.name),
                    identity: HubMailIdentity(domain: mail.from.domain, address: mail.from.address),
                    language: mail.language == .de ? .de : .en, portal: configuration.publicURL?.portal),
                clock: clock, mayRun: { timers.holdsLease }, telemetry: telemetry, logger: logger)
        }
        self.webhooks =
            configuration.webhooks.isEmpty
            ? nil
            : WebhookSender(
                store: store, ledger: ledger, hooks: configuration.webhooks, epoch: epoch, clock: clock,
                mayRun: { timers.holdsLease }, telemetry: telemetry, logger: logger)
        do {
            self.sniffer = try MediaSniffer()
        } catch {
            throw HubError(.internal, "cannot load libmagic's database for attachments: \(error)")
        }
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

    // MARK: Wiring

    /// The bearer-token check of the REST API and the WebSocket upgrade.
    var authenticator: Authenticator { Authenticator(store: store, limits: limits, logger: logger) }

    /// What every WebSocket session is made with.
    var sessionDependencies: SessionDependencies {
        SessionDependencies(
            store: store, epoch: epoch, ledger: ledger, fanOut: fanOut, limits: limits, tokenWatch: tokenWatch,
            presence: presence, metricsFeed: metricsFeed, telemetry: telemetry, clock: clock,
            configuration: SessionConfiguration(configuration, followsSharedLog: cluster != nil))
    }

    /// `GET /metrics`: this hub's registry, its gauges set from fan-out and the ledger.
    var scrape: PrometheusEndpoint.Scrape {
        { [telemetry, fanOut, ledger] in telemetry.scrape(fanOut: fanOut, ledger: ledger) }
    }

    /// Mounts the REST API (``RestAPI``) on `router` with the parts its routes use.
    func addRESTRoutes(to router: Router<HubRequestContext>) {
        RestAPI.add(
            to: router, authenticator: authenticator, ledger: ledger, store: store, limits: limits, clock: clock,
            settings: configuration.swarm, maxBodySize: configuration.maxFrameSize,
            mailDomains: configuration.mailDomains,
            mailIdentity: configuration.mailOut.map {
                HubMailIdentity(domain: $0.from.domain, address: $0.from.address)
            } ?? RestAPI.unnamedMailIdentity, signatureImageSize: configuration.mailSignatureImageSize,
            sniffer: sniffer,
            scanner: configuration.clamd.map {
                AttachmentScanner(address: $0, store: store, wait: configuration.clamdWait, logger: logger)
            }, telemetry: telemetry, logger: logger)
    }

    /// Builds the application. Run it with `runService()` (signals) or inside a `ServiceGroup`.
    ///
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func application(
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let configuration = self.configuration
        let router = Router(context: HubRequestContext.self)
        // Requests, durations and errors per route, method and status (`hb_requests`,
        // `http_server_request_duration`, `hb_request_errors`), recorded through the global metrics
        // system, which `swarmd serve` points at the registry `GET /metrics` emits.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorCounter(telemetry: telemetry))
        addRESTRoutes(to: router)
        StaticSite.add(to: router)
        let metrics = PrometheusEndpoint.Configuration(configuration)
        PrometheusEndpoint.add(to: router, configuration: metrics, scrape: scrape)
        let wsRouter = Router(context: HubRequestContext.self)
        WebSocketEndpoint.add(
            to: wsRouter, authenticator: authenticator, sessions: sessionDependencies,
            configuration: WebSocketEndpoint.Configuration(configuration), logger: logger)
        return Application(
            router: router,
            server: Self.server(webSocketRouter: wsRouter, configuration: configuration),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName
            ),
            // The ledger comes first: services shut down in reverse order, so the server stops
            // taking commands before the ledger commits the last of them.
            services: [ledger, timers, metricsFeed, suggestions, pruning, blobSweep, tokenWatch]
                + (cluster.map { [$0] } ?? [])
                + (mailer.map { [$0] } ?? []) + (webhooks.map { [$0] } ?? [])
                + PrometheusEndpoint.listener(configuration: metrics, scrape: scrape, logger: logger),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// HTTP/1.1 with the WebSocket upgrade, every connection behind a ``RequestHeadGuard``, and the
    /// timeouts of ``HubConfiguration``; with ``HubConfiguration/tls``, all of it inside TLS, the
    /// guard behind the TLS handler so its head timeout bounds the handshake too.
    static func server(
        webSocketRouter: Router<HubRequestContext>, configuration: HubConfiguration
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        let channelConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(idleTimeout: TimeAmount(configuration.httpIdleTimeout)),
            ws: .init(
                maxFrameSize: configuration.maxFrameSize, autoPing: .enabled(timePeriod: .seconds(30)),
                closeTimeout: configuration.closeGrace,
                // RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection (1007).
                validateUTF8: true)
        )
        let headTimeout = TimeAmount(configuration.requestHeadTimeout)
        let maxHead = configuration.maxRequestHead
        let tls = configuration.tls
        return HTTPServerBuilder { responder in
            let guarded = GuardedHTTPChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: channelConfiguration),
                headTimeout: headTimeout, maxHead: maxHead)
            guard let tls else { return guarded }
            // HubTLS has already built a context from this configuration, so this does not throw.
            return try TLSChannel(guarded, tlsConfiguration: tls.configuration)
        }
    }
}
