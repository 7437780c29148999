import Hummingbird
import SwarmCore
import SwarmProtocol
import SwarmStore

/// `/v1/kb`: searching the knowledge base, reading an article, writing one and capturing a ticket.
struct KnowledgeRoutes {
    let ledger: Ledger
    let store: any ArticleSearch
    /// The largest body accepted (the frame size limit).
    let maxBodySize: Int

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: search)
        routes.post(use: create)
        routes.post("capture", use: capture)
        routes.get(":id", use: article)
        routes.allow([.get, .post])
        routes.allow([.post], at: "capture")
        routes.allow([.get], at: ":id")
        return routes
    }

    /// `GET /v1/kb?q=&limit=&language=`: the search of `kb.search`, published articles best first.
    @Sendable func search(_ request: Request, context: HubRequestContext) async throws -> ArticleList {
        _ = try context.requirePrincipal()
        let query = request.uri.queryParameters["q"].map(String.init) ?? ""
        let limit = try request.uri.queryParameters["limit"].map { text throws(HubError) in
            guard let n = Int(text) else {
                throw HubError(.invalidField, "query 'limit' must be a number")
            }
            return n
        }
        let language = request.uri.queryParameters["language"].map(String.init)
        return ArticleList(
            articles: try await KnowledgeSearch.run(
                KBSearch(query: query, limit: limit, language: language), in: store))
    }

    /// `GET /v1/kb/{id}`: one article; a draft only for agents and up.
    @Sendable func article(_ request: Request, context: HubRequestContext) async throws -> Article {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        guard let article = ledger.snapshot.state.articles[id],
            article.status == .published || principal.role.worksTickets
        else { throw HubError(.notFound, "no article \(id)") }
        return article
    }

    /// `POST /v1/kb`: `kb.create` over REST.
    @Sendable func create(_ request: Request, context: HubRequestContext) async throws
        -> EditedResponse<Article>
    {
        let principal = try context.requirePrincipal()
        let create: KBCreate = try await RequestBody.decode(
            request, limit: maxBodySize)
        return try await created(
            .client(.kbCreate(create)), by: principal, key: try RequestBody.idempotencyKey(request))
    }

    /// `POST /v1/kb/capture`: `kb.capture` over REST.
    @Sendable func capture(_ request: Request, context: HubRequestContext) async throws
        -> EditedResponse<Article>
    {
        let principal = try context.requirePrincipal()
        let ref: TicketRef = try await RequestBody.decode(
            request, limit: maxBodySize)
        return try await created(
            .client(.kbCapture(ref)), by: principal,
            key: try RequestBody.idempotencyKey(request))
    }

    /// Submits a command that makes an article; 201 with the article and its `Location`. A retry
    /// with the same `Idempotency-Key` gets the same article, not a second one.
    func created(_ command: Command, by principal: Principal, key: String?) async throws(HubError)
        -> EditedResponse<Article>
    {
        let ack = try await ledger.submit(command, by: principal, id: key).get()
        guard let id = ack.article, let article = ledger.snapshot.state.articles[id] else {
            throw HubError(.internal, "the article was written but cannot be read back")
        }
        return EditedResponse(status: .created, headers: [.location: "/v1/kb/\(id)"], response: article)
    }
}
