import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
public import SwarmProtocol

/// The hub's REST API (tickets, agents, skills, candidates), over a small HTTP/1.1 client
/// on SwiftNIO: one request per connection, which is all a terminal command needs.
public struct RestClient: Sendable {
    public let credentials: Credentials

    /// A client for the hub in `credentials`.
    public init(_ credentials: Credentials) { self.credentials = credentials }

    /// One page of `GET /v1/tickets` (the work list): `query`'s filters and order, comments left out,
    /// with the total, the cursor of the next page and, for staff, the tickets' SLA deadlines.
    public func ticketPage(_ query: TicketQuery = TicketQuery(), after: String? = nil, limit: Int? = nil)
        async throws(ClientError) -> TicketList
    {
        var items = query.items
        if let after { items.append(("after", after)) }
        if let limit { items.append(("limit", String(limit))) }
        return try await get("/v1/tickets" + queryString(items), as: TicketList.self)
    }

    /// The tickets of `GET /v1/tickets` matching `query`, in its order, following the pages until
    /// `limit` tickets (all when `nil`); how many match in all; their SLA deadlines (staff).
    public func tickets(_ query: TicketQuery = TicketQuery(), limit: Int? = nil) async throws(ClientError) -> (
        tickets: [Ticket], total: Int, deadlines: [String: Timestamp]
    ) {
        var tickets: [Ticket] = []
        var deadlines: [String: Timestamp] = [:]
        var after: String? = nil
        var total = 0
        repeat {
            let want = limit.map { min(500, $0 - tickets.count) } ?? 500
            let page = try await ticketPage(query, after: after, limit: want)
            tickets += page.tickets
            deadlines.merge(page.deadlines ?? [:]) { $1 }
            total = page.total
            after = page.next
        } while after != nil && (limit.map { tickets.count < $0 } ?? true)
        return (tickets, total, deadlines)
    }

    /// `GET /v1/tickets/next`: the ticket to take next, and why; nil when nothing waits.
    public func nextTicket() async throws(ClientError) -> NextTicketAnswer? {
        do {
            return try await get("/v1/tickets/next", as: NextTicketAnswer.self)
        } catch let error where error.code == ErrorCode.notFound.rawValue {
            return nil
        }
    }

    /// `GET /v1/tickets/{id}`: the ticket with its most recent comments, and its most recent events.
    public func ticket(_ id: String) async throws(ClientError) -> TicketDetail {
        try await get("/v1/tickets/\(escape(id))", as: TicketDetail.self)
    }

    /// `GET /v1/tickets/{id}/comments?after=&limit=`: a page of its comments, oldest first.
    public func comments(of id: String, after: Int, limit: Int = 500) async throws(ClientError) -> CommentPage {
        try await get(
            "/v1/tickets/\(escape(id))/comments" + queryString([("after", String(after)), ("limit", String(limit))]),
            as: CommentPage.self)
    }

    /// `GET /v1/tickets/{id}/events?after=&limit=`: a page of its events, oldest first.
    public func events(of id: String, after: Int64, limit: Int = 500) async throws(ClientError) -> EventPage {
        try await get(
            "/v1/tickets/\(escape(id))/events" + queryString([("after", String(after)), ("limit", String(limit))]),
            as: EventPage.self)
    }

    /// `GET /v1/kb/{id}`: one knowledge-base article, body included (a draft only for agents and up).
    public func article(_ id: String) async throws(ClientError) -> Article {
        try await get("/v1/kb/\(escape(id))", as: Article.self)
    }

    /// `GET /v1/agents`: every agent the log knows of, sorted by id (not for requesters).
    public func agents() async throws(ClientError) -> [AgentProfile] {
        try await get("/v1/agents", as: AgentList.self).agents
    }

    /// `GET /v1/limits`: the sizes the hub refuses beyond.
    public func limits() async throws(ClientError) -> HubLimits {
        try await get("/v1/limits", as: HubLimits.self)
    }

    /// `GET /v1/agents/{id}/notify`: the person's choice of notices by mail, and whether the hub mails.
    public func notifySettings(of agent: String) async throws(ClientError) -> NotifyAnswer {
        try await get("/v1/agents/\(escape(agent))/notify", as: NotifyAnswer.self)
    }

    /// `GET /v1/skills`: the hub's skill taxonomy, with how many agents hold each tag and how many
    /// open tickets need it.
    public func skills() async throws(ClientError) -> SkillCatalog {
        try await get("/v1/skills", as: SkillCatalog.self)
    }

    /// `GET /v1/tickets/{id}/candidates?limit=`: how the hub would rank agents for the ticket now.
    public func candidates(_ id: String, limit: Int? = nil) async throws(ClientError) -> CandidateList {
        try await get(
            "/v1/tickets/\(escape(id))/candidates" + (limit.map { "?limit=\($0)" } ?? ""), as: CandidateList.self)
    }

    /// `GET /v1/metrics?from&to&queue&mode&priority`: the leads' report (leads and admins).
    public func metrics(_ query: [(String, String)]) async throws(ClientError) -> MetricsReport {
        try await get("/v1/metrics" + queryString(query), as: MetricsReport.self)
    }

    /// The same report as CSV (`format=csv`): a header and one row per mode.
    public func metricsCSV(_ query: [(String, String)]) async throws(ClientError) -> String {
        let path = "/v1/metrics" + queryString(query + [("format", "csv")])
        return TerminalText.clean(String(decoding: try await fetch(path).body, as: UTF8.self))
    }

    func get<T: Decodable>(_ path: String, as type: T.Type) async throws(ClientError) -> T {
        let response = try await fetch(path)
        do {
            return try JSONDecoder().decode(T.self, from: TerminalText.cleanJSON(response.body))
        } catch {
            throw .failure("the hub's answer to GET \(path) could not be read: \(error)")
        }
    }

    /// GETs `path`; a status other than 2xx is the hub's error.
    private func fetch(_ path: String) async throws(ClientError) -> HTTP.Response {
        let response = try await HTTP.request(
            server: credentials.server, method: .GET, path: path,
            headers: [("Authorization", "Bearer \(credentials.token)")], caCertificate: credentials.caCertificate)
        guard (200..<300).contains(response.status) else {
            if let body = try? JSONDecoder().decode(RestError.self, from: TerminalText.cleanJSON(response.body)) {
                throw ClientError(body.error.code, body.error.message)
            }
            throw .failure("the hub answered \(response.status) to GET \(path)")
        }
        return response
    }

    private func queryString(_ query: [(String, String)]) -> String {
        query.isEmpty ? "" : "?" + query.map { "\($0)=\(escape($1))" }.joined(separator: "&")
    }

    func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }
}

/// A minimal HTTP/1.1 client: connect, send one request, read the whole response, close.
enum HTTP {
    struct Response {
        var status: Int
        var body: Data
    }

    static func request(
        server: ServerAddress, method: HTTPMethod, path: String, headers: [(String, String)], body: Data? = nil,
        caCertificate: String? = nil
    ) async throws(ClientError) -> Response {
        try await exchange(server: server, caCertificate: caCertificate) { inbound, outbound in
            var head = requestHead(method, path, server: server, headers: headers)
            if let body {
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: "\(body.count)")
            }
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status = 0
            var collected = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let responseHead): status = Int(responseHead.status.code)
                case .body(var chunk): collected.writeBuffer(&chunk)
                case .end: return Response(status: status, body: Data(collected.readableBytesView))
                }
            }
            throw ClientError.connection("the hub closed the connection before answering")
        }
    }

    /// A request's head with what every request of this client carries.
    static func requestHead(
        _ method: HTTPMethod, _ path: String, server: ServerAddress, headers: [(String, String)]
    ) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(server.host):\(server.port)")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "User-Agent", value: "swarm/\(SwarmClientInfo.version)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        return head
    }

    /// Connects to the hub (TLS when its address says so), runs `body` with the connection's two
    /// directions, and closes it: one request and its answer.
    static func exchange<Result: Sendable>(
        server: ServerAddress, caCertificate: String?,
        _ body: (
            NIOAsyncChannelInboundStream<HTTPClientResponsePart>, NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
        ) async throws -> Result
    ) async throws(ClientError) -> Result {
        let tls = try server.secure ? ClientTLS.configuration(caCertificate: caCertificate) : nil
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: server.host, port: server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            let context = try NIOSSLContext(configuration: tls)
                            // No SNI for an IP address: NIOSSL then checks the certificate against it.
                            let name = ClientTLS.isIPAddress(server.host) ? nil : server.host
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: context, serverHostname: name))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in try await body(inbound, outbound) }
        } catch let error as ClientError {
            throw error
        } catch {
            throw .connection("cannot reach the hub at \(server): \(describe(error))")
        }
    }
}
