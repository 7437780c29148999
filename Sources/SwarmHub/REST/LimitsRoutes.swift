import Hummingbird
import SwarmCore
import SwarmProtocol

/// `/v1/limits`: the sizes the hub refuses beyond, for anyone signed in — so a client refuses a file that
/// is too large before it sends a byte, and says the number.
struct LimitsRoutes {
    let limits: HubLimits

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: show)
        routes.allow([.get])
        return routes
    }

    /// `GET /v1/limits`.
    @Sendable func show(_ request: Request, context: HubRequestContext) async throws -> HubLimits {
        _ = try context.requirePrincipal()
        return limits
    }
}
