public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import SwarmConfiguration
import SwarmProtocol

/// The hub: an HTTP server with the WebSocket endpoint and the REST API, and the ledger service.
public enum Hub {
    /// Builds the application. Run it with `runService()` (signals) or inside a `ServiceGroup`.
    ///
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public static func application(
        services: HubServices,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let configuration = services.configuration
        let router = Router(context: HubRequestContext.self)
        // Requests, durations and errors per route, method and status (`hb_requests`,
        // `http_server_request_duration`, `hb_request_errors`), recorded through the global metrics
        // system, which `swarmd serve` points at the registry `GET /metrics` emits.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorCounter(telemetry: services.telemetry))
        RestAPI.add(to: router, services: services)
        StaticSite.add(to: router)
        PrometheusEndpoint.add(to: router, services: services)
        let wsRouter = Router(context: HubRequestContext.self)
        WebSocketEndpoint.add(to: wsRouter, services: services)
        return Application(
            router: router,
            server: server(webSocketRouter: wsRouter, configuration: configuration),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName
            ),
            // The ledger comes first: services shut down in reverse order, so the server stops
            // taking commands before the ledger commits the last of them.
            services: [
                services.ledger, services.timers, services.metricsFeed, services.suggestions, services.pruning,
                services.tokenWatch,
            ] + (services.cluster.map { [$0] } ?? []) + PrometheusEndpoint.listener(services: services),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: services.logger
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
