import Hummingbird
import SwarmCore
import SwarmMetrics
import SwarmProtocol

/// `/v1/metrics`: the leads' report, as JSON or CSV (leads and admins).
struct MetricsRoutes {
    let ledger: Ledger
    let clock: HubClock

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: report)
        routes.allow([.get])
        return routes
    }

    /// `GET /v1/metrics?from=&to=&queue=&mode=&priority=&format=`.
    @Sendable func report(_ request: Request, context: HubRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.role.readsEverything else {
            throw HubError(.forbidden, "only leads and admins read metrics")
        }
        let query = try Self.query(request)
        let report = ledger.metricsCollector.report(query, now: clock())
        let wantsCSV: Bool
        switch request.uri.queryParameters["format"].map(String.init) {
        case nil: wantsCSV = request.headers[.accept]?.contains("text/csv") ?? false
        case "csv": wantsCSV = true
        case "json": wantsCSV = false
        case let other?:
            throw HubError(.invalidField, "query 'format' must be json or csv, not '\(other)'")
        }
        guard wantsCSV else { return try report.response(from: request, context: context) }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: report.csv())))
    }

    /// `from`, `to` (ISO-8601 UTC), `queue`, `mode`, `priority`, each checked.
    static func query(_ request: Request) throws(HubError) -> MetricsQuery {
        let parameters = request.uri.queryParameters
        func time(_ name: String) throws(HubError) -> Timestamp? {
            guard let text = parameters[Substring(name)].map(String.init) else { return nil }
            guard let time = Timestamp(iso8601: text) else {
                throw HubError(
                    .invalidField, "query '\(name)' must be an ISO-8601 UTC time like 2026-11-23T09:00:00Z")
            }
            return time
        }
        var query = MetricsQuery(from: try time("from"), to: try time("to"))
        if let from = query.from, let to = query.to, from >= to {
            throw HubError(.invalidField, "query 'from' must be before 'to'")
        }
        if let queue = parameters["queue"].map(String.init) {
            guard Limits.isValidQueue(queue) else {
                throw HubError(.invalidField, "query 'queue' is not a queue name")
            }
            query.queue = queue
        }
        if let text = parameters["mode"].map(String.init) {
            guard let mode = RoutingMode(rawValue: text) else {
                throw HubError(.invalidField, "query 'mode' must be swarm, tiered or hybrid")
            }
            query.mode = mode
        }
        if let text = parameters["priority"].map(String.init) {
            guard let priority = Priority(rawValue: text.uppercased()) else {
                throw HubError(.invalidField, "query 'priority' must be P1, P2, P3 or P4")
            }
            query.priority = priority
        }
        return query
    }
}
