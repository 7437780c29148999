import Hummingbird
import SwarmCore
import SwarmProtocol

/// `/v1/agents`: every agent the log knows of (not for requesters).
struct AgentRoutes {
    let ledger: Ledger

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: list)
        routes.allow([.get])
        return routes
    }

    /// `GET /v1/agents`, sorted by id.
    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> AgentList {
        let principal = try context.requirePrincipal()
        guard principal.role.worksTickets else {
            throw HubError(.forbidden, "requesters may not list agents")
        }
        return AgentList(agents: ledger.snapshot.state.agents.values.sorted { $0.id < $1.id })
    }
}
