public import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
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
        RestRoutes.add(to: router, services: services)
        AlertRoutes.add(to: router, services: services)
        StaticSite.add(to: router)
        let wsRouter = Router(context: HubRequestContext.self)
        WebSocketEndpoint.add(to: wsRouter, services: services)
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: wsRouter,
                configuration: .init(
                    ws: .init(maxFrameSize: configuration.maxFrameSize, autoPing: .enabled(timePeriod: .seconds(30)))
                )
            ),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName
            ),
            // The ledger comes first: services shut down in reverse order, so the server stops
            // taking commands before the ledger commits the last of them.
            services: [services.ledger, services.timers, services.metricsFeed, services.suggestions, services.pruning]
                + (services.cluster.map { [$0] } ?? []),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: services.logger
        )
    }
}
