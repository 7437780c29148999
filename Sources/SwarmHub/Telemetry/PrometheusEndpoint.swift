import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwarmConfiguration
import SwarmProtocol

/// `GET /metrics`: the hub's ``HubTelemetry`` in the Prometheus text format (docs/operations.md,
/// "Prometheus metrics"). Not `/v1/metrics`, the leads' figures (docs/metrics.md).
///
/// Served on the hub's own listener by default, or, with ``HubConfiguration/metricsAddress``, on a
/// listener of its own (an address only the monitoring network reaches), and then not on the main
/// one. With ``HubConfiguration/metricsToken`` it answers only requests that carry
/// `Authorization: Bearer <token>`.
public enum PrometheusEndpoint {
    /// The path Prometheus scrapes.
    public static let path = "/metrics"

    /// What a scrape answers: the hub's figures in the Prometheus text format, its gauges set first
    /// (``HubTelemetry/scrape(fanOut:ledger:)``).
    typealias Scrape = @Sendable () -> [UInt8]

    /// The values of ``HubConfiguration`` the endpoint reads.
    struct Configuration: Sendable {
        /// A listener of its own (``HubConfiguration/metricsAddress``), or `nil` for the hub's.
        var address: ListenAddress?
        /// The bearer token a scrape must carry, if any.
        var token: String?
        /// The idle timeout and server name of a listener of its own, as the hub's.
        var idleTimeout: Duration
        var serverName: String

        /// The endpoint's values of a hub configuration.
        init(_ configuration: HubConfiguration) {
            self.address = configuration.metricsAddress
            self.token = configuration.metricsToken
            self.idleTimeout = configuration.httpIdleTimeout
            self.serverName = configuration.serverName
        }
    }

    /// Adds `GET /metrics` to the hub's router, unless the metrics have a listener of their own.
    static func add(to router: Router<HubRequestContext>, configuration: Configuration, scrape: @escaping Scrape) {
        guard configuration.address == nil else { return }
        route(on: router, token: configuration.token, scrape: scrape)
    }

    /// The listener of its own, when ``HubConfiguration/metricsAddress`` is set: a plain HTTP/1.1
    /// server with only `GET /metrics`. Empty otherwise.
    static func listener(configuration: Configuration, scrape: @escaping Scrape, logger: Logger) -> [any Service] {
        guard let address = configuration.address else { return [] }
        let router = Router()
        route(on: router, token: configuration.token, scrape: scrape)
        let application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(
                address: .hostname(address.host, port: address.port),
                serverName: configuration.serverName),
            onServerRunning: { channel in
                logger.info(
                    "metrics listening",
                    metadata: ["swarm.address": "\(address.host):\(channel.localAddress?.port ?? address.port)"])
            },
            logger: logger
        )
        return [application]
    }

    private static func route<Context: RequestContext>(
        on router: Router<Context>, token: String?, scrape: @escaping Scrape
    ) {
        router.get(RouterPath(path)) { request, _ -> Response in
            if let token {
                guard let given = request.headers[.authorization], authorized(given, token: token) else {
                    throw HubError(.unauthorized, "GET /metrics needs 'Authorization: Bearer <metrics token>'")
                }
            }
            let text = scrape()
            return Response(
                status: .ok,
                // The Prometheus text exposition format, version 0.0.4.
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.allow([.get], at: RouterPath(path))
    }

    /// Whether an `Authorization` header carries the token, compared in time that does not depend
    /// on where the two first differ.
    static func authorized(_ header: String, token: String) -> Bool {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let given = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }
}
