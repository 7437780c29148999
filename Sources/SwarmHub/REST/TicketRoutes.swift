import Hummingbird
import SwarmCore
import SwarmProtocol
import SwarmStore

/// `/v1/tickets`: the list, one ticket with its events, the ranked candidates, and opening a ticket.
struct TicketRoutes {
    let services: HubServices

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: list)
        routes.post(use: open)
        routes.get(":id", use: detail)
        routes.get(":id/candidates", use: candidates)
        routes.allow([.get, .post])
        routes.allow([.get], at: ":id")
        routes.allow([.get], at: ":id/candidates")
        return routes
    }

    /// `GET /v1/tickets?status=&queue=`: newest first, at most 500; requesters see their own.
    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> TicketList {
        let principal = try context.requirePrincipal()
        let status = try request.uri.queryParameters["status"].map { text throws(HubError) in
            guard let status = TicketStatus(rawValue: String(text)) else {
                let allowed = TicketStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw HubError(.invalidField, "query 'status' must be one of: \(allowed)")
            }
            return status
        }
        let queue = request.uri.queryParameters["queue"].map(String.init)
        let requester = principal.role == .requester ? principal.id : nil
        let audience = Audience(principal)
        let tickets = try await services.store.tickets(
            status: status, queue: queue, requester: requester)
        return TicketList(tickets: tickets.map { Policy.view(of: $0, for: audience) })
    }

    /// `GET /v1/tickets/{id}`: the ticket as last committed, comments included, and its events.
    @Sendable func detail(_ request: Request, context: HubRequestContext) async throws -> TicketDetail {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        // The committed in-memory state has the whole ticket, comments included; its events are
        // read up to the same seq, so the two agree even while commits go on.
        let snapshot = services.ledger.snapshot
        guard let ticket = snapshot.state.tickets[id], Policy.canRead(principal, ticket) else {
            throw HubError(.notFound, "no ticket \(id)")
        }
        let audience = Audience(principal)
        let events = try await services.store.events(ofTicket: id).filter { $0.seq <= snapshot.seq }
            .compactMap { stored in
                Policy.visible(stored.event, for: audience).map {
                    TicketDetail.Entry(seq: stored.seq, event: $0)
                }
            }
        return TicketDetail(ticket: Policy.view(of: ticket, for: audience), events: events)
    }

    /// `GET /v1/tickets/{id}/candidates?limit=`: how the hub would rank agents for the ticket now.
    @Sendable func candidates(_ request: Request, context: HubRequestContext) async throws
        -> CandidateList
    {
        let principal = try context.requirePrincipal()
        guard principal.role.worksTickets else {
            throw HubError(.forbidden, "requesters may not rank agents")
        }
        let id = context.parameters.get("id") ?? ""
        let limit = try request.uri.queryParameters["limit"].map { text throws(HubError) in
            guard let n = Int(text), (1...1000).contains(n) else {
                throw HubError(.invalidField, "query 'limit' must be 1 to 1000")
            }
            return n
        }
        let state = services.ledger.snapshot.state
        guard let ticket = state.tickets[id] else { throw HubError(.notFound, "no ticket \(id)") }
        var excluding = Set(ticket.members)
        excluding.insert(ticket.requester)
        let candidates = state.rank(
            required: ticket.requiredSkills, excluding: excluding, limit: limit ?? 10)
        return CandidateList(
            ticket: id, skills: ticket.skills, inferredSkills: ticket.inferredSkills,
            candidates: candidates,
            invitations: ticket.invitations)
    }

    /// `POST /v1/tickets`: `ticket.open` over REST; 201 with `Location`, or 200 when a `dedupKey`
    /// repeated on an open ticket.
    @Sendable func open(_ request: Request, context: HubRequestContext) async throws
        -> EditedResponse<OpenedTicket>
    {
        let principal = try context.requirePrincipal()
        let open: TicketOpen = try await RequestBody.decode(
            request, limit: services.configuration.maxFrameSize)
        let key = try RequestBody.idempotencyKey(request)
        let ack = try await services.ledger.submit(.openTicket(open), by: principal, id: key).get()
        guard let id = ack.ticket, let ticket = services.ledger.snapshot.state.tickets[id] else {
            throw HubError(.internal, "the ticket was opened but cannot be read back")
        }
        // A repeated alert opened nothing: 200 with the ticket it repeated on.
        return EditedResponse(
            status: ack.repeated == true ? .ok : .created, headers: [.location: "/v1/tickets/\(id)"],
            response: OpenedTicket(
                ticket: Policy.view(of: ticket, for: Audience(principal)), seq: ack.seq ?? 0,
                repeated: ack.repeated))
    }
}
