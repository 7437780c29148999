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

    /// Adds `GET /metrics` to the hub's router, unless the metrics have a listener of their own.
    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        guard services.configuration.metricsAddress == nil else { return }
        route(on: router, services: services)
    }

    /// The listener of its own, when ``HubConfiguration/metricsAddress`` is set: a plain HTTP/1.1
    /// server with only `GET /metrics`. Empty otherwise.
    static func listener(services: HubServices) -> [any Service] {
        guard let address = services.configuration.metricsAddress else { return [] }
        let router = Router()
        route(on: router, services: services)
        let logger = services.logger
        let application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: TimeAmount(services.configuration.httpIdleTimeout))),
            configuration: .init(
                address: .hostname(address.host, port: address.port),
                serverName: services.configuration.serverName),
            onServerRunning: { channel in
                logger.info(
                    "metrics listening",
                    metadata: ["swarm.address": "\(address.host):\(channel.localAddress?.port ?? address.port)"])
            },
            logger: logger
        )
        return [application]
    }

    private static func route<Context: RequestContext>(on router: Router<Context>, services: HubServices) {
        let token = services.configuration.metricsToken
        router.get(RouterPath(path)) { request, _ -> Response in
            if let token {
                guard let given = request.headers[.authorization], authorized(given, token: token) else {
                    throw HubError(.unauthorized, "GET /metrics needs 'Authorization: Bearer <metrics token>'")
                }
            }
            let text = services.telemetry.scrape(services)
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
