import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import SwarmConfiguration
import SwarmCore
import SwarmStore
import SwarmTestSupport
import Testing

@testable import SwarmHub

/// `GET /metrics` through the router with a scrape given to it: the token check and the answer's
/// format need no hub.
@Suite("The Prometheus endpoint, no socket")
struct PrometheusEndpointRouterTests {
    @Test("with a metrics token a scrape must carry it; the answer is the scrape, in the text format")
    func token() async throws {
        var hub = HubConfiguration()
        hub.metricsToken = "s3cret"
        let router = Router(context: HubRequestContext.self)
        PrometheusEndpoint.add(
            to: router, configuration: PrometheusEndpoint.Configuration(hub), scrape: { Array("up 1\n".utf8) })
        try await Application(router: router).test(.router) { client in
            for header in [nil, "Bearer wrong", "Basic s3cret"] {
                let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(header ?? "no header")")
                }
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer s3cret"]) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: response.body) == "up 1\n")
            }
        }
    }

    @Test("with a listener of its own the hub's router has no /metrics")
    func ownListener() async throws {
        var hub = HubConfiguration()
        hub.metricsAddress = ListenAddress(host: "127.0.0.1", port: 0)
        let router = Router(context: HubRequestContext.self)
        PrometheusEndpoint.add(to: router, configuration: PrometheusEndpoint.Configuration(hub), scrape: { [] })
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("a scrape sets the gauges from fan-out and the ledger it is given")
    func gauges() async throws {
        let store = try SQLiteEventStore.inMemory()
        let telemetry = HubTelemetry()
        let fanOut = FanOut()
        let ledger = try await Ledger(
            store: store, fanOut: fanOut, configuration: HubConfiguration(), logger: quietLogger, telemetry: telemetry)
        let channel = NIOAsyncTestingChannel()
        let outbox = Outbox(channel: channel, limits: .init(frames: 10, bytes: 1 << 16), closeGrace: .seconds(1))
        let connection = fanOut.register(outbox)
        _ = fanOut.subscribe(connection, to: ["kb", "dispatch"], since: nil, as: .staff)
        let text = String(decoding: telemetry.scrape(fanOut: fanOut, ledger: ledger), as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("swarm_connections 1.0") || lines.contains("swarm_connections 1"), "\(text)")
        #expect(lines.contains("swarm_subscriptions 2.0") || lines.contains("swarm_subscriptions 2"), "\(text)")
        #expect(lines.contains("swarm_event_log_seq 0.0") || lines.contains("swarm_event_log_seq 0"), "\(text)")
    }
}
