import Hummingbird
import SwarmCore
import SwarmProtocol

/// `/v1/agents`: every agent the log knows of (not for requesters), and each one's choice of notices
/// by mail.
struct AgentRoutes {
    let ledger: Ledger
    /// Whether this hub sends mail (`--mail-from`): a choice of notices by mail is kept either way.
    let mailOut: Bool

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: list)
        routes.allow([.get])
        routes.get(":agent/notify", use: notify)
        routes.allow([.get], at: ":agent/notify")
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

    /// `GET /v1/agents/{id}/notify`: the person's own choice (or anyone's, for leads and admins) — it
    /// holds their address, as `notify.changed` does on their channel only.
    @Sendable func notify(_ request: Request, context: HubRequestContext) async throws -> NotifyAnswer {
        let principal = try context.requirePrincipal()
        let agent = try context.parameters.require("agent")
        guard principal.role.worksTickets else { throw HubError(.forbidden, "requesters have no notices by mail") }
        guard RequesterName.isAgentID(agent) else {
            throw HubError(.invalidField, "'\(agent)' is not an agent id (1 to 64 letters, digits, '.', '_', '-')")
        }
        guard agent == principal.id || principal.role.readsEverything else {
            throw HubError(.forbidden, "only leads and admins may read another agent's notices")
        }
        let settings = ledger.snapshot.state.notifications[agent] ?? NotifySettings(agent: agent)
        return NotifyAnswer(settings: settings, mailOut: mailOut)
    }
}
