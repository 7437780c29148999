import Hummingbird
import SwarmProtocol
import SwarmStore

/// `/health`: whether the hub is up and can read its event log. No token.
struct HealthRoutes {
    let store: any LogStore
    let ledger: Ledger

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        // HEAD answers what GET would, without the body (RFC 9110 §9.3.2), for probes that use it.
        routes.head { _, _ -> Response in
            do {
                _ = try await store.lastSeq()
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"])
            } catch {
                return Response(status: .internalServerError)
            }
        }
        routes.get { _, _ -> Health in
            // Read the log, so a hub whose database is gone reports it instead of "ok".
            do {
                let stored = try await store.lastSeq()
                return Health(
                    status: "ok", seq: max(stored, ledger.snapshot.seq),
                    protocol: ProtocolInfo.version)
            } catch {
                throw HubError(.internal, "the event log cannot be read: \(error)")
            }
        }
        routes.allow([.get, .head])
        return routes
    }
}
