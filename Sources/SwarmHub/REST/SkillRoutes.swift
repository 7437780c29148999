import Hummingbird
import SwarmCore
import SwarmProtocol

/// `/v1/skills`: the taxonomy with how many agents hold each tag and how many open tickets need it.
struct SkillRoutes {
    let ledger: Ledger
    let taxonomy: Taxonomy

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: catalog)
        routes.allow([.get])
        return routes
    }

    /// `GET /v1/skills`, for any role.
    @Sendable func catalog(_ request: Request, context: HubRequestContext) async throws
        -> SkillCatalog
    {
        _ = try context.requirePrincipal()
        let state = ledger.snapshot.state
        var agents: [String: Int] = [:]
        for profile in state.agents.values {
            for tag in profile.skills.keys { agents[tag, default: 0] += 1 }
        }
        var open: [String: Int] = [:]
        for ticket in state.tickets.values where !ticket.status.isDone {
            for tag in ticket.requiredSkills { open[tag, default: 0] += 1 }
        }
        let tags = taxonomy.tags.sorted { $0.key < $1.key }.map { name, tag in
            SkillCatalog.Tag(
                tag: name, description: tag.description, synonyms: tag.synonyms, keywords: tag.keywords,
                agents: agents[name] ?? 0, openTickets: open[name] ?? 0)
        }
        let categories = Dictionary(
            uniqueKeysWithValues: taxonomy.categories.map { ($0.key.rawValue, $0.value) })
        return SkillCatalog(tags: tags, categories: categories)
    }
}
