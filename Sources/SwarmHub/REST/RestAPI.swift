public import Hummingbird
public import SwarmProtocol

/// The REST API (Protocol/openapi.yaml): `/health`, and under `/v1` one route collection per
/// resource behind the ``Authenticator``. Handlers return the answer types of SwarmProtocol, encoded
/// by the context's encoder; every error is a ``HubError``.
enum RestAPI {
    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        router.addRoutes(HealthRoutes(services: services).routes, atPath: "/health")
        let v1 = router.group("/v1").add(middleware: Authenticator(services: services))
        v1.addRoutes(TicketRoutes(services: services).routes, atPath: "/tickets")
        v1.addRoutes(AgentRoutes(services: services).routes, atPath: "/agents")
        v1.addRoutes(SkillRoutes(services: services).routes, atPath: "/skills")
        v1.addRoutes(KnowledgeRoutes(services: services).routes, atPath: "/kb")
        v1.addRoutes(MetricsRoutes(services: services).routes, atPath: "/metrics")
        v1.addRoutes(AlertRoutes(services: services).routes, atPath: "/alerts")
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
