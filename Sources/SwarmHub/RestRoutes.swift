import Foundation
import HTTPTypes
import Hummingbird
import SwarmCore
import SwarmMetrics
import SwarmProtocol
import SwarmStore

/// The REST API: `/health`, `/v1/tickets`, `/v1/agents`, `/v1/skills`, `/v1/kb`, `/v1/metrics`. Bearer auth; the same roles as the WebSocket API.
enum RestRoutes {
    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        // HEAD answers what GET would, without the body (RFC 9110 §9.3.2), for probes that use it.
        router.head("/health") { _, _ in
            do {
                _ = try await services.store.lastSeq()
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"])
            } catch {
                return Response(status: .internalServerError)
            }
        }
        router.get("/health") { _, _ in
            // Read the log, so a hub whose database is gone reports it instead of "ok".
            do {
                let stored = try await services.store.lastSeq()
                return json(
                    Health(status: "ok", seq: max(stored, services.ledger.snapshot.seq), protocol: ProtocolInfo.version)
                )
            } catch {
                throw APIError(.internal, "the event log cannot be read: \(error)")
            }
        }
        let v1 = router.group("/v1")
        v1.get("/tickets") { request, context in
            let principal = try await authenticate(request, context, services)
            let status = try request.uri.queryParameters["status"].map { text throws(APIError) in
                guard let status = TicketStatus(rawValue: String(text)) else {
                    let allowed = TicketStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError(.invalidField, "query 'status' must be one of: \(allowed)")
                }
                return status
            }
            let queue = request.uri.queryParameters["queue"].map(String.init)
            let requester = principal.role == .requester ? principal.id : nil
            let audience = Audience(principal)
            let tickets = try await services.store.tickets(status: status, queue: queue, requester: requester)
            return json(TicketList(tickets: tickets.map { Policy.view(of: $0, for: audience) }))
        }
        v1.get("/tickets/:id") { request, context in
            let principal = try await authenticate(request, context, services)
            let id = context.parameters.get("id") ?? ""
            // The committed in-memory state has the whole ticket, comments included; its events are
            // read up to the same seq, so the two agree even while commits go on.
            let snapshot = services.ledger.snapshot
            guard let ticket = snapshot.state.tickets[id], Policy.canRead(principal, ticket) else {
                throw APIError(.notFound, "no ticket \(id)")
            }
            let audience = Audience(principal)
            let events = try await services.store.events(ofTicket: id).filter { $0.seq <= snapshot.seq }
                .compactMap { stored in
                    Policy.visible(stored.event, for: audience).map { TicketDetail.Entry(seq: stored.seq, event: $0) }
                }
            return json(TicketDetail(ticket: Policy.view(of: ticket, for: audience), events: events))
        }
        v1.get("/tickets/:id/candidates") { request, context in
            let principal = try await authenticate(request, context, services)
            guard principal.role.worksTickets else { throw APIError(.forbidden, "requesters may not rank agents") }
            let id = context.parameters.get("id") ?? ""
            let limit = try request.uri.queryParameters["limit"].map { text throws(APIError) in
                guard let n = Int(text), (1...1000).contains(n) else {
                    throw APIError(.invalidField, "query 'limit' must be 1 to 1000")
                }
                return n
            }
            let state = services.ledger.snapshot.state
            guard let ticket = state.tickets[id] else { throw APIError(.notFound, "no ticket \(id)") }
            var excluding = Set(ticket.members)
            excluding.insert(ticket.requester)
            let candidates = state.rank(required: ticket.requiredSkills, excluding: excluding, limit: limit ?? 10)
            return json(
                Candidates(
                    ticket: id, skills: ticket.skills, inferredSkills: ticket.inferredSkills, candidates: candidates,
                    invitations: ticket.invitations))
        }
        v1.get("/agents") { request, context in
            let principal = try await authenticate(request, context, services)
            guard principal.role.worksTickets else { throw APIError(.forbidden, "requesters may not list agents") }
            let agents = services.ledger.snapshot.state.agents.values.sorted { $0.id < $1.id }
            return json(AgentList(agents: agents))
        }
        v1.get("/skills") { request, context in
            _ = try await authenticate(request, context, services)
            let state = services.ledger.snapshot.state
            let taxonomy = services.configuration.swarm.taxonomy
            var agents: [String: Int] = [:]
            for profile in state.agents.values {
                for tag in profile.skills.keys { agents[tag, default: 0] += 1 }
            }
            var open: [String: Int] = [:]
            for ticket in state.tickets.values where !ticket.status.isDone {
                for tag in ticket.requiredSkills { open[tag, default: 0] += 1 }
            }
            let entries = taxonomy.tags.keys.sorted().map { name in
                let tag = taxonomy.tags[name]!
                return SkillList.Entry(
                    tag: name, description: tag.description, synonyms: tag.synonyms, keywords: tag.keywords,
                    agents: agents[name] ?? 0, openTickets: open[name] ?? 0)
            }
            let categories = Dictionary(uniqueKeysWithValues: taxonomy.categories.map { ($0.key.rawValue, $0.value) })
            return json(SkillList(tags: entries, categories: categories))
        }
        v1.get("/metrics") { request, context in
            let principal = try await authenticate(request, context, services)
            guard principal.role.readsEverything else {
                throw APIError(.forbidden, "only leads and admins read metrics")
            }
            let query = try metricsQuery(request)
            let report = services.ledger.metricsCollector.report(query, now: services.clock())
            let wantsCSV: Bool
            switch request.uri.queryParameters["format"].map(String.init) {
            case nil: wantsCSV = request.headers[.accept]?.contains("text/csv") ?? false
            case "csv": wantsCSV = true
            case "json": wantsCSV = false
            case let other?: throw APIError(.invalidField, "query 'format' must be json or csv, not '\(other)'")
            }
            guard wantsCSV else { return json(report) }
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: report.csv())))
        }
        v1.get("/kb") { request, context in
            _ = try await authenticate(request, context, services)
            let query = request.uri.queryParameters["q"].map(String.init) ?? ""
            let limit = try request.uri.queryParameters["limit"].map { text throws(APIError) in
                guard let n = Int(text) else { throw APIError(.invalidField, "query 'limit' must be a number") }
                return n
            }
            do throws(HubError) {
                return json(
                    ArticleList(
                        articles: try await KnowledgeSearch.run(KBSearch(query: query, limit: limit), in: services)))
            } catch {
                throw APIError(error)
            }
        }
        v1.get("/kb/:id") { request, context in
            let principal = try await authenticate(request, context, services)
            let id = context.parameters.get("id") ?? ""
            guard let article = services.ledger.snapshot.state.articles[id],
                article.status == .published || principal.role.worksTickets
            else { throw APIError(.notFound, "no article \(id)") }
            return json(article)
        }
        v1.post("/kb") { request, context in
            let principal = try await authenticate(request, context, services)
            let create: KBCreate = try await body(request, services)
            return try await created(.createArticle(create), by: principal, key: try idempotencyKey(request), services)
        }
        v1.post("/kb/capture") { request, context in
            let principal = try await authenticate(request, context, services)
            let ref: TicketRef = try await body(request, services)
            return try await created(
                .captureArticle(ticket: ref.ticket), by: principal, key: try idempotencyKey(request), services)
        }
        v1.post("/tickets") { request, context in
            let principal = try await authenticate(request, context, services)
            let open: TicketOpen = try await body(request, services)
            let key = try idempotencyKey(request)
            switch await services.ledger.submit(.openTicket(open), by: principal, id: key) {
            case .failure(let error):
                throw APIError(error)
            case .success(let ack):
                guard let id = ack.ticket, let ticket = services.ledger.snapshot.state.tickets[id] else {
                    throw APIError(.internal, "the ticket was opened but cannot be read back")
                }
                // A repeated alert opened nothing: 200 with the ticket it repeated on.
                var response = json(
                    Opened(
                        ticket: Policy.view(of: ticket, for: Audience(principal)), seq: ack.seq ?? 0,
                        repeated: ack.repeated))
                response.status = ack.repeated == true ? .ok : .created
                response.headers[.location] = "/v1/tickets/\(id)"
                return response
            }
        }
    }

    /// A JSON request body, size-limited and decoded, or the error naming the field.
    static func body<T: Decodable>(_ request: Request, _ services: HubServices) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: services.configuration.maxFrameSize)
        } catch {
            throw APIError(.tooLarge, "the body is larger than \(services.configuration.maxFrameSize) bytes")
        }
        return try decodeBody(buffer.readableBytesView)
    }

    /// Decodes a REST body: strict JSON (``StrictJSON``), then the type, or the error naming the
    /// field. Pure, so the fuzz test runs it without a server.
    static func decodeBody<T: Decodable>(_ bytes: some Collection<UInt8>) throws(APIError) -> T {
        do {
            try StrictJSON.check(bytes)
        } catch {
            // REST reports every unreadable body as `invalid_field` (Protocol §20), as before.
            throw APIError(.invalidField, error.message.replacingOccurrences(of: "a frame must", with: "the body must"))
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw APIError(.invalidField, error.fieldMessage)
        } catch {
            throw APIError(.invalidField, "the body must be a JSON object")
        }
    }

    /// The `Idempotency-Key` header, as the command id the ledger remembers, if sent. The key is
    /// scoped to the endpoint (`rest:POST /v1/kb:<key>`): the same key on another endpoint is
    /// another request, never the replay of the first one's ack.
    static func idempotencyKey(_ request: Request) throws -> String? {
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, key.isEmpty || key.count > ClientFrame.maxIDLength {
            throw APIError(
                .invalidField, "header 'Idempotency-Key' must have 1 to \(ClientFrame.maxIDLength) characters")
        }
        return key.map { "rest:\(request.method.rawValue) \(request.uri.path):" + $0 }
    }

    /// Submits a command that makes an article; 201 with the article and its `Location`. A retry
    /// with the same `Idempotency-Key` gets the same article, not a second one.
    static func created(_ command: Command, by principal: Principal, key: String?, _ services: HubServices)
        async throws -> Response
    {
        switch await services.ledger.submit(command, by: principal, id: key) {
        case .failure(let error):
            throw APIError(error)
        case .success(let ack):
            guard let id = ack.article, let article = services.ledger.snapshot.state.articles[id] else {
                throw APIError(.internal, "the article was written but cannot be read back")
            }
            var response = json(article)
            response.status = .created
            response.headers[.location] = "/v1/kb/\(id)"
            return response
        }
    }

    /// `from`, `to` (ISO-8601 UTC), `queue`, `mode`, `priority`, each checked.
    static func metricsQuery(_ request: Request) throws(APIError) -> MetricsQuery {
        let parameters = request.uri.queryParameters
        func time(_ name: String) throws(APIError) -> Timestamp? {
            guard let text = parameters[Substring(name)].map(String.init) else { return nil }
            guard let time = Timestamp(iso8601: text) else {
                throw APIError(.invalidField, "query '\(name)' must be an ISO-8601 UTC time like 2026-11-23T09:00:00Z")
            }
            return time
        }
        var query = MetricsQuery(from: try time("from"), to: try time("to"))
        if let from = query.from, let to = query.to, from >= to {
            throw APIError(.invalidField, "query 'from' must be before 'to'")
        }
        if let queue = parameters["queue"].map(String.init) {
            guard Limits.isValidQueue(queue) else { throw APIError(.invalidField, "query 'queue' is not a queue name") }
            query.queue = queue
        }
        if let text = parameters["mode"].map(String.init) {
            guard let mode = RoutingMode(rawValue: text) else {
                throw APIError(.invalidField, "query 'mode' must be swarm, tiered or hybrid")
            }
            query.mode = mode
        }
        if let text = parameters["priority"].map(String.init) {
            guard let priority = Priority(rawValue: text.uppercased()) else {
                throw APIError(.invalidField, "query 'priority' must be P1, P2, P3 or P4")
            }
            query.priority = priority
        }
        return query
    }

    static func authenticate(_ request: Request, _ context: HubRequestContext, _ services: HubServices) async throws
        -> Principal
    {
        guard let token = try bearerToken(request) else {
            throw APIError(.unauthorized, "send 'Authorization: Bearer <token>'")
        }
        guard let info = try await services.store.authenticate(secret: token) else {
            logFailedLogin(services, remote: context.channel.remoteAddress, path: request.uri.path)
            throw APIError(.unauthorized, "unknown or revoked token")
        }
        return Principal(id: info.name, role: info.role)
    }

    static func json(_ value: some Encodable) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let data = (try? SwarmJSON.encoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct Health: Encodable {
        var status: String
        var seq: Int64
        var `protocol`: Int
    }

    struct TicketList: Encodable {
        var tickets: [Ticket]
    }

    struct TicketDetail: Encodable {
        struct Entry: Encodable {
            var seq: Int64
            var event: SwarmEvent
        }
        var ticket: Ticket
        var events: [Entry]
    }

    struct Candidates: Encodable {
        var ticket: String
        var skills: [String]
        var inferredSkills: [String]
        var candidates: [Candidate]
        var invitations: [Invitation]
    }

    struct ArticleList: Encodable {
        var articles: [ArticleMatch]
    }

    struct AgentList: Encodable {
        var agents: [AgentProfile]
    }

    struct SkillList: Encodable {
        struct Entry: Encodable {
            var tag: String
            var description: String
            var synonyms: [String]
            var keywords: [String]
            /// Agents holding exactly this tag.
            var agents: Int
            /// Tickets not yet resolved that need it.
            var openTickets: Int
        }
        var tags: [Entry]
        var categories: [String: [String]]
    }

    struct Opened: Encodable {
        var ticket: Ticket
        var seq: Int64
        /// `true` when a `dedupKey` matched an open ticket (`alert.repeated` was logged on it).
        var repeated: Bool?
    }
}
