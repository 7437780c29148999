public import Hummingbird
import SwarmConfiguration
import SwarmCore
public import SwarmProtocol

/// The REST API (Protocol/openapi.yaml): `/health`, and under `/v1` one route collection per
/// resource behind the ``Authenticator``. Handlers return the answer types of SwarmProtocol, encoded
/// by the context's encoder; every error is a ``HubError``.
enum RestAPI {
    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        // The composition root of the REST API: each route collection is given what it uses, nothing more.
        let ledger = services.ledger
        let maxBody = services.configuration.maxFrameSize
        router.addRoutes(HealthRoutes(store: services.store, ledger: ledger).routes, atPath: "/health")
        let v1 = router.group("/v1").add(
            middleware: Authenticator(store: services.store, limits: services.limits, logger: services.logger))
        v1.addRoutes(
            TicketRoutes(ledger: ledger, store: services.store, limits: services.limits, maxBodySize: maxBody).routes,
            atPath: "/tickets")
        v1.addRoutes(AgentRoutes(ledger: ledger).routes, atPath: "/agents")
        v1.addRoutes(
            SkillRoutes(ledger: ledger, taxonomy: services.configuration.swarm.taxonomy).routes, atPath: "/skills")
        v1.addRoutes(
            KnowledgeRoutes(ledger: ledger, store: services.store, maxBodySize: maxBody).routes, atPath: "/kb")
        v1.addRoutes(MetricsRoutes(ledger: ledger, clock: services.clock).routes, atPath: "/metrics")
        v1.addRoutes(
            AlertRoutes(
                ledger: ledger, clock: services.clock, settings: services.configuration.swarm, maxFrameSize: maxBody
            )
            .routes, atPath: "/alerts")
    }
}

// The answers of the REST API, declared in SwarmProtocol for the Swift client too.
extension Health: ResponseEncodable {}
extension TicketList: ResponseEncodable {}
extension TicketDetail: ResponseEncodable {}
extension CommentPage: ResponseEncodable {}
extension EventPage: ResponseEncodable {}
extension OpenedTicket: ResponseEncodable {}
extension CandidateList: ResponseEncodable {}
extension AgentList: ResponseEncodable {}
extension SkillCatalog: ResponseEncodable {}
extension ArticleList: ResponseEncodable {}
extension Article: ResponseEncodable {}
extension MetricsReport: ResponseEncodable {}
extension AlertOutcomes: ResponseEncodable {}
extension RestError: ResponseEncodable {}
