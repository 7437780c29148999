import Hummingbird
import SwarmCore
import SwarmProtocol
import SwarmStore

/// `/v1/tickets`: the list, one ticket with its most recent history, its comments and events page by
/// page, the ranked candidates, and opening a ticket. No answer grows with a ticket's history or the
/// number of tickets: every list is a page (Protocol §20, "Pages").
struct TicketRoutes {
    let ledger: Ledger
    let store: any LogStore
    let limits: PrincipalLimits
    /// The checks of a `requester` named by staff (the token table, the mail domains).
    let requesters: RequesterCheck
    /// The largest body accepted (the frame size limit).
    let maxBodySize: Int
    /// The queues' SLA policies, for deadlines.
    let settings: SwarmSettings
    let clock: HubClock

    /// Tickets per page of `GET /v1/tickets`: the default and the most one page may hold.
    static let ticketPage = (default: 100, maximum: 500)
    /// Comments or events per page of one ticket's history.
    static let historyPage = (default: 50, maximum: 500)

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get(use: list)
        routes.post(use: open)
        routes.get("next", use: next)
        routes.get(":id", use: detail)
        routes.get(":id/comments", use: comments)
        routes.get(":id/events", use: events)
        routes.get(":id/candidates", use: candidates)
        routes.allow([.get, .post])
        routes.allow([.get], at: "next")
        routes.allow([.get], at: ":id")
        routes.allow([.get], at: ":id/comments")
        routes.allow([.get], at: ":id/events")
        routes.allow([.get], at: ":id/candidates")
        return routes
    }

    /// `GET /v1/tickets?status=&open=&queue=&priority=&skill=&owner=&member=&q=&sort=&after=&limit=`: one
    /// page of the work list (``SwarmCore/WorkListQuery``) with the total and the cursor of the next page;
    /// requesters see their own; staff also get each ticket's next SLA deadline. Read from the committed
    /// state.
    @Sendable func list(_ request: Request, context: HubRequestContext) async throws -> TicketList {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        func list<Value>(_ name: String, _ read: (String) -> Value?, allowed: [String]) throws(HubError) -> [Value] {
            guard let text = query[name[...]] else { return [] }
            var values: [Value] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = read(String(part)) else {
                    throw HubError(
                        .invalidField,
                        "query '\(name)' must be one or more of: \(allowed.joined(separator: ", ")), comma-separated")
                }
                values.append(value)
            }
            return values
        }
        var work = WorkListQuery()
        work.statuses = Set(
            try list("status", TicketStatus.init(rawValue:), allowed: TicketStatus.allCases.map(\.rawValue)))
        work.priorities = Set(
            try list("priority", Priority.init(rawValue:), allowed: Priority.allCases.map(\.rawValue)))
        if let open = query["open"] {
            guard let value = Bool(String(open)) else {
                throw HubError(.invalidField, "query 'open' must be true or false")
            }
            work.openOnly = value
        }
        work.queue = query["queue"].map(String.init)
        work.skill = query["skill"].map(String.init)
        work.owner = query["owner"].map(String.init)
        work.member = query["member"].map(String.init)
        if let text = query["q"] {
            work.text = String(text)
            guard text.count <= 200, text.split(whereSeparator: \.isWhitespace).count <= 10 else {
                throw HubError(.invalidField, "query 'q' must have at most 10 words and 200 characters")
            }
        }
        if let sort = query["sort"] {
            guard let order = WorkListOrder(rawValue: String(sort)) else {
                let allowed = WorkListOrder.allCases.map(\.rawValue).joined(separator: ", ")
                throw HubError(.invalidField, "query 'sort' must be one of: \(allowed)")
            }
            work.order = order
        }
        let snapshot = ledger.snapshot
        var cursor: WorkListCursor?
        if let text = query["after"].map(String.init) {
            if let parsed = WorkListCursor(text, order: work.order) {
                cursor = parsed
            } else if text.hasPrefix("T-"), Int(text.dropFirst(2)).map({ $0 > 0 }) == true {
                // After a ticket named by its id, in any order: where that ticket stands in it.
                // A requester's cursor is one of her own tickets: another's is as missing as none.
                let visible = principal.role != .requester || snapshot.state.tickets[text]?.requester == principal.id
                guard visible,
                    let place = snapshot.state.workListCursor(after: text, order: work.order, settings: settings)
                else { throw HubError(.notFound, "no ticket \(text) to continue after") }
                cursor = place
            } else {
                throw HubError(
                    .invalidField, "query 'after' must be a ticket id (T-42) or the 'next' of a page of the same sort")
            }
        }
        let limit = try PageQuery.limit(request, default: Self.ticketPage.default, maximum: Self.ticketPage.maximum)
        if principal.role == .requester { work.requester = principal.id }
        let audience = Audience(principal)
        let page = snapshot.state.workList(
            work, for: audience, after: cursor, limit: limit, at: clock(), settings: settings)
        let tickets = page.tickets.map { ticket in
            var ticket = ticket
            ticket.comments = []
            return Policy.view(of: ticket, for: audience)
        }
        var deadlines: [String: Timestamp]?
        if principal.role != .requester {
            deadlines = [:]
            for ticket in page.tickets {
                deadlines?[ticket.id] = SwarmState.nextDeadline(of: ticket, settings: settings)
            }
        }
        return TicketList(tickets: tickets, total: page.total, next: page.next, deadlines: deadlines)
    }

    /// `GET /v1/tickets/next`: the ticket the caller should take next, with the reasons (staff only);
    /// 404 when nothing waits to be taken.
    @Sendable func next(_ request: Request, context: HubRequestContext) async throws -> NextTicketAnswer {
        let principal = try context.requirePrincipal()
        guard principal.role.worksTickets else {
            throw HubError(.forbidden, "only staff take tickets; requesters see their own with GET /v1/tickets")
        }
        guard let next = ledger.snapshot.state.nextTicket(for: principal.id, at: clock(), settings: settings) else {
            throw HubError(
                .notFound, "nothing waits to be taken: every open ticket has an owner or waits on its requester")
        }
        var ticket = next.ticket
        ticket.comments = []
        return NextTicketAnswer(ticket: ticket, reasons: next.reasons, deadline: next.deadline)
    }

    /// `GET /v1/tickets/{id}?limit=`: the ticket as last committed with its most recent comments, and
    /// its most recent events, read up to the same seq so the two agree while commits go on.
    @Sendable func detail(_ request: Request, context: HubRequestContext) async throws -> TicketDetail {
        let principal = try context.requirePrincipal()
        let limit = try PageQuery.limit(
            request, default: Self.historyPage.default, maximum: Self.historyPage.maximum)
        let (ticket, snapshot) = try readable(context, by: principal)
        let audience = Audience(principal)
        let comments = Self.comments(of: ticket, for: audience)
        let page = comments.page(before: nil, limit: limit)
        var shown = ticket
        shown.comments = []
        shown = Policy.view(of: shown, for: audience)
        shown.comments = CommentList(page)
        let (events, moreEvents) = try await history(
            of: ticket.id, page: PageQuery(after: nil, before: nil, limit: limit), for: audience, in: snapshot)
        return TicketDetail(
            ticket: shown, events: events, commentCount: comments.count,
            moreComments: page.first.map { $0.number > 1 } ?? false, moreEvents: moreEvents)
    }

    /// `GET /v1/tickets/{id}/comments?after=&before=&limit=`: a page of the comments the caller may
    /// see, oldest first; the cursors are comment `number`s as the caller sees them: `after` pages
    /// forward (up to `before` when both are given), `before` alone backward.
    @Sendable func comments(_ request: Request, context: HubRequestContext) async throws -> CommentPage {
        let principal = try context.requirePrincipal()
        let page = try PageQuery.parse(
            request, defaultLimit: Self.historyPage.default, maximum: Self.historyPage.maximum)
        let (ticket, _) = try readable(context, by: principal)
        let comments = Self.comments(of: ticket, for: Audience(principal))
        if page.after == nil, let before = page.before {
            let shown = comments.page(before: Int(clamping: before), limit: page.limit)
            let more = shown.first.map { $0.number > 1 } ?? false
            return CommentPage(comments: shown, total: comments.count, more: more)
        }
        let after = Int(clamping: page.after ?? 0)
        let end = page.before.map { min(Int(clamping: $0) - 1, comments.count) } ?? comments.count
        let shown = comments.page(after: after, limit: page.limit).filter { $0.number <= end }
        let more = (shown.last?.number ?? after) < end
        return CommentPage(comments: shown, total: comments.count, more: more)
    }

    /// `GET /v1/tickets/{id}/events?after=&before=&limit=`: a page of the ticket's events the caller
    /// may see, oldest first; the cursors are `seq`s (`after` forward, up to `before` when both are
    /// given; `before` alone backward). Without a cursor, the most recent page.
    @Sendable func events(_ request: Request, context: HubRequestContext) async throws -> EventPage {
        let principal = try context.requirePrincipal()
        let page = try PageQuery.parse(
            request, defaultLimit: Self.historyPage.default, maximum: Self.historyPage.maximum)
        let (ticket, snapshot) = try readable(context, by: principal)
        let (events, more) = try await history(of: ticket.id, page: page, for: Audience(principal), in: snapshot)
        return EventPage(events: events, more: more)
    }

    /// The ticket named in the path, if the principal may read it; `not_found` either way otherwise,
    /// so ids do not leak.
    private func readable(_ context: HubRequestContext, by principal: Principal) throws(HubError) -> (
        Ticket, Ledger.Snapshot
    ) {
        let id = context.parameters.get("id") ?? ""
        let snapshot = ledger.snapshot
        guard let ticket = snapshot.state.tickets[id], Policy.canRead(principal, ticket) else {
            throw HubError(.notFound, "no ticket \(id)")
        }
        return (ticket, snapshot)
    }

    /// The comments of `ticket` as `audience` sees them.
    static func comments(of ticket: Ticket, for audience: Audience) -> VisibleComments {
        VisibleComments(all: ticket.comments, audience: audience)
    }

    /// A page of the events of ticket `id` that `audience` may see, up to the snapshot's seq, oldest
    /// first, and whether more follow in the page's direction. Reads the store a page at a time; a
    /// requester's page may take several reads when the swarm's working events are many.
    private func history(
        of id: String, page: PageQuery, for audience: Audience, in snapshot: Ledger.Snapshot
    ) async throws -> ([TicketEventEntry], Bool) {
        let newestFirst = page.after == nil
        var after = page.after ?? 0
        var before = min(page.before ?? .max, snapshot.seq + 1)
        let read = max(page.limit + 1, 256)
        var entries: [TicketEventEntry] = []
        while entries.count <= page.limit {
            let rows = try await store.events(
                ofTicket: id, after: after, before: before, limit: read, newestFirst: newestFirst)
            for stored in rows {
                guard let event = Policy.visible(stored.event, for: audience, in: snapshot.state) else { continue }
                entries.append(TicketEventEntry(seq: stored.seq, event: event))
                if entries.count > page.limit { break }
            }
            guard rows.count == read, let last = rows.last else { break }
            if newestFirst { before = last.seq } else { after = last.seq }
        }
        let more = entries.count > page.limit
        if more { entries.removeLast() }
        if newestFirst { entries.reverse() }
        return (entries, more)
    }

    /// `GET /v1/tickets/{id}/candidates?limit=`: how the hub would rank agents for the ticket now.
    @Sendable func candidates(_ request: Request, context: HubRequestContext) async throws
        -> CandidateList
    {
        let principal = try context.requirePrincipal()
        guard principal.role.worksTickets else {
            throw HubError(.notFound, "no ticket \(context.parameters.get("id") ?? "")")
        }
        let id = context.parameters.get("id") ?? ""
        let limit = try PageQuery.limit(request, default: 10, maximum: 1000)
        let state = ledger.snapshot.state
        guard let ticket = state.tickets[id] else { throw HubError(.notFound, "no ticket \(id)") }
        var excluding = Set(ticket.members)
        excluding.insert(ticket.requester)
        let candidates = state.rank(required: ticket.requiredSkills, excluding: excluding, limit: limit)
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
            request, limit: maxBodySize)
        let key = try RequestBody.idempotencyKey(request)
        if let problem = await requesters.problem(open, by: principal) { throw problem }
        do {
            try limits.admitWrite(.client(.ticketOpen(open)), by: principal, in: ledger.snapshot.state)
        } catch {
            throw error.error
        }
        let ack = try await ledger.submit(.client(.ticketOpen(open)), by: principal, id: key).get()
        guard let id = ack.ticket, var ticket = ledger.snapshot.state.tickets[id] else {
            throw HubError(.internal, "the ticket was opened but cannot be read back")
        }
        // A repeated alert's ticket may have a long history: the answer carries its ticket, not its comments.
        ticket.comments = CommentList(ticket.comments.suffix(Self.historyPage.default))
        // A repeated alert opened nothing: 200 with the ticket it repeated on.
        return EditedResponse(
            status: ack.repeated == true ? .ok : .created, headers: [.location: "/v1/tickets/\(id)"],
            response: OpenedTicket(
                ticket: Policy.view(of: ticket, for: Audience(principal)), seq: ack.seq ?? 0,
                repeated: ack.repeated))
    }
}

/// The comments of one ticket as one audience sees them, read in place (no copy of the list):
/// staff see every comment, numbered 1…n; a requester her own and the public replies, numbered
/// among them.
struct VisibleComments {
    let all: CommentList
    let audience: Audience

    /// How many comments the audience sees.
    var count: Int {
        audience.seesEverything ? all.count : all.lazy.filter { Policy.view(of: $0, for: audience) != nil }.count
    }

    /// The first `limit` comments numbered above `after`, in order.
    func page(after: Int, limit: Int) -> [Comment] {
        if audience.seesEverything {
            let start = min(max(after, 0), all.count)
            return Array(all[start..<min(start + limit, all.count)])
        }
        return Array(
            all.lazy.compactMap { Policy.view(of: $0, for: audience) }.drop { $0.number <= after }.prefix(limit))
    }

    /// The last `limit` comments numbered below `before` (all when `nil`), in order.
    func page(before: Int?, limit: Int) -> [Comment] {
        if audience.seesEverything {
            let end = min(max((before ?? Int.max) - 1, 0), all.count)
            return Array(all[max(0, end - limit)..<end])
        }
        var window: [Comment] = []
        for comment in all {
            guard let shown = Policy.view(of: comment, for: audience) else { continue }
            if let before, shown.number >= before { break }
            window.append(shown)
            if window.count > limit { window.removeFirst() }
        }
        return window
    }
}
