import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm tickets`: the ticket list, filtered.
struct Tickets: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "List tickets: your work list, filtered and sorted; --live keeps it on screen, current.",
        discussion: """
            Reads GET /v1/tickets page by page: the first 100 tickets unless --limit N or --all. Every \
            filter is applied by the hub. --open: not resolved or closed; --mine: open tickets you swarm \
            on or own; --status takes one or more statuses, comma-separated, as --priority does. --skill \
            TAG keeps tickets needing TAG or a tag under it (network matches network.vpn). --search \
            WORDS keeps tickets whose title, description or comments you may see contain every word \
            (case and accents ignored). --sort priority (P1 first), deadline (the nearest SLA \
            deadline first, breaches first), age (oldest first), activity (latest first) or newest \
            (the default). DUE shows the time left to the next SLA deadline ("-25m": breached 25 \
            minutes ago).

            --live fills the terminal with the list and keeps it current: it follows the hub's live \
            feed, reads the list again 300 ms after a ticket changes (a burst of changes is one read) \
            and every 30 s, and draws it again when the terminal is resized; rows that do not fit are \
            counted in a last line '… N more'. The header names the list, when it was read and, when \
            the connection is lost, says so while swarm reconnects (as 'swarm watch' does). q, Esc or \
            Ctrl-C leaves and gives the terminal back as it was; r reads the list at once. It needs a \
            terminal and does not go with --json. In the console it works the same, the console's \
            event lines waiting until you leave.

            Examples:
              swarm tickets --mine --sort deadline
              swarm tickets --live --open --sort priority
              swarm tickets --open --priority P1,P2 --sort priority
              swarm tickets --status new,open --queue network --skill network.vpn
              swarm tickets --search "drucker papierstau"
              swarm tickets --all --json | jq -r '.tickets[].id'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only open tickets you swarm on or own.")
    var mine = false

    @Flag(help: "Only tickets not resolved or closed.")
    var open = false

    @Option(help: ArgumentHelp("Only tickets with one of these statuses (comma-separated).", valueName: "status,…"))
    var status: String?

    @Option(help: ArgumentHelp("Only tickets in this queue.", valueName: "name"))
    var queue: String?

    @Option(help: ArgumentHelp("Only tickets of these priorities (comma-separated).", valueName: "P1,…"))
    var priority: String?

    @Option(help: ArgumentHelp("Only tickets needing this skill tag (or one under it).", valueName: "tag"))
    var skill: String?

    @Option(help: ArgumentHelp("Only tickets this agent owns.", valueName: "agent"))
    var owner: String?

    @Option(help: ArgumentHelp("Only tickets containing every one of these words.", valueName: "words"))
    var search: String?

    @Option(help: ArgumentHelp("The order: newest, priority, deadline, age or activity.", valueName: "order"))
    var sort: String?

    @Option(help: ArgumentHelp("At most this many tickets (default 100).", valueName: "n"))
    var limit: Int?

    @Flag(help: "Every matching ticket, however many.")
    var all = false

    @Flag(help: "Fill the terminal with the list and keep it current as tickets change; q leaves.")
    var live = false

    /// `--status new,open`: each must be a status.
    static func statuses(_ text: String) throws -> [TicketStatus] {
        try text.split(separator: ",").map { part in
            guard let status = TicketStatus(rawValue: String(part)) else {
                let allowed = TicketStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("'\(part)' is not a status; use one or more of: \(allowed)")
            }
            return status
        }
    }

    /// `--priority P1,P2`: each must be a priority.
    static func priorities(_ text: String) throws -> [Priority] {
        try text.split(separator: ",").map { part in
            guard let priority = Priority(rawValue: part.uppercased()) else {
                throw ValidationError("'\(part)' is not a priority; use one or more of: P1, P2, P3, P4")
            }
            return priority
        }
    }

    static let orders = ["newest", "priority", "deadline", "age", "activity"]

    func validate() throws {
        if let status { _ = try Self.statuses(status) }
        if let priority { _ = try Self.priorities(priority) }
        if let sort, !Self.orders.contains(sort) {
            throw ValidationError("--sort must be one of: \(Self.orders.joined(separator: ", "))")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
        if limit != nil && all { throw ValidationError("--limit and --all exclude each other") }
        if live && global.json {
            throw ValidationError("--live and --json exclude each other: --live draws the list on the terminal")
        }
        if live && !outputIsTerminal { throw ValidationError("--live needs a terminal: standard output is not one") }
        if live && !inputIsTerminal {
            throw ValidationError("--live needs a terminal: standard input is not one (the keys are read from it)")
        }
    }

    func run() async throws {
        let credentials = try global.credentials()
        let query = try await query(credentials)
        if live {
            try await runLive(query, credentials: credentials)
            return
        }
        let (tickets, total, deadlines) = try await RestClient(credentials).tickets(
            query, limit: all ? nil : (limit ?? 100))
        if global.json {
            try sayJSON(TicketList(tickets: tickets, total: total, deadlines: deadlines))
            return
        }
        guard !tickets.isEmpty else {
            say("no tickets")
            return
        }
        Self.table(tickets, deadlines: deadlines, now: now(), style: global.style).forEach(say)
        if tickets.count < total {
            say(global.style.paint("\(tickets.count) of \(total) tickets; --limit N or --all for more", .dim))
        }
    }

    /// The filters and order the options ask for (`--mine` asks who the token is).
    func query(_ credentials: Credentials) async throws -> TicketQuery {
        var query = TicketQuery()
        query.statuses = try status.map(Self.statuses) ?? []
        query.priorities = try priority.map(Self.priorities) ?? []
        query.openOnly = open || mine
        query.queue = queue
        query.skill = skill
        query.owner = owner
        query.member = mine ? try await whoAmI(credentials) : nil
        query.text = search
        query.sort = sort
        return query
    }

    /// The list as a table: the column headings, then one line per ticket; DUE only when the hub
    /// sent deadlines (to staff).
    static func table(_ tickets: [Ticket], deadlines: [String: Timestamp], now time: Timestamp, style: Style)
        -> [String]
    {
        let showDue = !deadlines.isEmpty
        let table = Table(
            headers: ["ID", "PRI", "STATUS", "QUEUE", "OWNERS"] + (showDue ? ["DUE"] : []) + ["UPDATED", "TITLE"],
            rows: tickets.map { ticket in
                [
                    ticket.id, ticket.priority.rawValue, ticket.status.rawValue, ticket.queue,
                    ticket.owners.isEmpty ? "-" : ticket.owners.joined(separator: ","),
                ]
                    + (showDue ? [deadlines[ticket.id].map { Self.timeLeft(until: $0, now: time) } ?? "-"] : [])
                    + [
                        RelativeTime.describe(ticket.updatedAt, now: time),
                        String(EventLine.quote(ticket.title, limit: 60).dropFirst().dropLast()),
                    ]
            })
        let dueColumn = showDue ? 5 : -1
        return table.render(style: style) { column, row, _ in
            switch column {
            case 0: return .bold
            case 1: return tickets[row].priority <= .p2 ? .red : nil
            case 2: return statusColor(tickets[row].status)
            case dueColumn:
                guard let due = deadlines[tickets[row].id] else { return nil }
                return due.milliseconds <= time.milliseconds ? .red : nil
            default: return nil
            }
        }
    }

    /// "2h05m" left, or "-25m" past it.
    static func timeLeft(until due: Timestamp, now: Timestamp) -> String {
        let left = due.milliseconds - now.milliseconds
        let minutes = abs(left) / 60_000
        let text = minutes >= 60 ? "\(minutes / 60)h\(String(format: "%02d", minutes % 60))m" : "\(minutes)m"
        return left < 0 ? "-" + text : text
    }
}

/// `swarm next`: the ticket to take next — the pull model swarming is built on.
struct Next: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Offer the ticket you should take next, and why.",
        discussion: """
            Reads GET /v1/tickets/next: of the open tickets nobody owns and you are not in, not \
            waiting on their requester, the highest priority; within it one needing a skill of yours \
            first; then the nearest SLA deadline; then the oldest. --take joins it and takes it on \
            (in progress, and yours). Exit status 5 (not found) when nothing waits.

            Examples:
              swarm next
              swarm next --take
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Take it: set it in progress, which makes you its owner.")
    var take = false

    func run() async throws {
        let credentials = try global.credentials()
        guard let next = try await RestClient(credentials).nextTicket() else {
            throw ClientError(
                .notFound, "nothing waits to be taken: every open ticket has an owner or waits on its requester")
        }
        let ticket = next.ticket
        if global.json && !take {
            try sayJSON(next)
            return
        }
        if !global.json {
            say(
                global.style.paint(ticket.id, .bold) + "  \(ticket.priority.rawValue)  \(ticket.status.rawValue)  "
                    + "\(ticket.queue)  " + String(EventLine.quote(ticket.title, limit: 70).dropFirst().dropLast()))
            for reason in next.reasons { say("  - " + reason) }
        }
        guard take else {
            if !global.json {
                say(global.style.paint("swarm next --take, or swarm status \(ticket.id) in_progress", .dim))
            }
            return
        }
        let change = StatusChange(ticket: ticket.id, status: .inProgress)
        try await perform(global, { _ in .command(.ticketStatus(change)) }) { welcome, _ in
            "\(welcome.agent) took \(ticket.id)"
        }
    }
}

/// The colour of a status in tables.
func statusColor(_ status: TicketStatus) -> Style.Color? {
    switch status {
    case .new: .yellow
    case .open, .inProgress: .cyan
    case .waiting: .magenta
    case .resolved, .closed: .green
    }
}

/// `swarm show T-42`: one ticket, its swarm and its history.
struct Show: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Show a ticket: its state, swarm, owners, files, comments and history.",
        discussion: """
            Reads GET /v1/tickets/ID: the ticket as last committed — with the skills it was given and \
            those the hub inferred, and the experts invited to its swarm — with its latest 50 comments \
            and events, in order; --all reads every comment and event, page by page. In the console, showing a ticket also tells the people watching it that you are \
            viewing it (ticket.viewing; nothing is logged).

            Examples:
              swarm show T-42
              swarm show 42
              swarm show T-42 --json | jq '.ticket.owners'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The ticket id (T-42, or just 42).")
    var ticket: String

    @Flag(help: "Every comment and event, not only the latest 50 of each.")
    var all = false

    func run() async throws {
        let credentials = try global.credentials()
        let rest = RestClient(credentials)
        var detail = try await rest.ticket(ticketID(ticket))
        if all {
            // Page by page from the first: the hub never answers a whole long history at once.
            var comments: [SwarmProtocol.Comment] = []
            var page = try await rest.comments(of: detail.ticket.id, after: 0)
            comments += page.comments
            while page.more, let last = page.comments.last {
                page = try await rest.comments(of: detail.ticket.id, after: last.number)
                comments += page.comments
            }
            var events: [TicketEventEntry] = []
            var eventPage = try await rest.events(of: detail.ticket.id, after: 0)
            events += eventPage.events
            while eventPage.more, let last = eventPage.events.last {
                eventPage = try await rest.events(of: detail.ticket.id, after: last.seq)
                events += eventPage.events
            }
            detail.ticket.comments = CommentList(comments)
            detail.events = events
            detail.moreComments = false
            detail.moreEvents = false
        }
        if ConsoleSession.isActive {
            // Best effort: others watching the ticket see "viewing" for a minute (Protocol §25).
            let ref = TicketRef(ticket: detail.ticket.id)
            _ = try? await HubConnection.open(credentials) { try await $0.send(.ticketViewing(ref)) }
        }
        if global.json {
            try sayJSON(detail)
            return
        }
        let style = global.style
        let time = now()
        let t = detail.ticket
        say("\(style.paint(t.id, .bold))  \(style.paint(t.title, .bold))")
        var fields: [(String, String)] = [
            ("status", style.paint(t.status.rawValue, statusColor(t.status) ?? .bold)),
            ("priority", "\(t.priority.rawValue) (urgency \(t.urgency.rawValue), impact \(t.impact.rawValue))"),
            ("queue", t.queue),
            ("category", t.category.rawValue),
            ("requester", t.requester),
            ("via", t.via.rawValue),
            ("opened", "\(RelativeTime.describe(t.openedAt, now: time)) (\(t.openedAt))"),
            ("updated", RelativeTime.describe(t.updatedAt, now: time)),
            ("skills", t.skills.isEmpty ? "-" : t.skills.joined(separator: ", ")),
            ("inferred", t.inferredSkills.isEmpty ? "-" : t.inferredSkills.joined(separator: ", ")),
            ("swarm", t.members.isEmpty ? "-" : t.members.joined(separator: ", ")),
            ("owners", t.owners.isEmpty ? "-" : t.owners.joined(separator: ", ")),
        ]
        if let resolution = t.resolution { fields.append(("resolution", resolution)) }
        if t.reopenCount > 0 { fields.append(("reopened", "\(t.reopenCount)×")) }
        if let since = t.stalledSince {
            fields.append(
                ("stalled", style.paint("no progress since \(RelativeTime.describe(since, now: time))", .red)))
        }
        for (name, value) in fields {
            say("  " + style.paint(name.padding(toLength: 11, withPad: " ", startingAt: 0), .dim) + value)
        }
        if !t.description.isEmpty {
            say("")
            say(style.paint("description", .bold))
            for line in t.description.split(separator: "\n", omittingEmptySubsequences: false) { say("  " + line) }
        }
        if !t.invitations.isEmpty {
            say("")
            say(style.paint("invitations", .bold))
            invitationLines(t.invitations, style: style).forEach { say("  " + $0) }
        }
        if !t.attachments.isEmpty {
            say("")
            say(style.paint("files", .bold) + style.paint("  (swarm download A-…)", .dim))
            for file in t.attachments {
                say(
                    "  \(style.paint(file.id, .bold))  \(file.name)  "
                        + style.paint(
                            "\(file.mediaType), \(ByteSize.describe(file.size)), \(file.visibility.rawValue), "
                                + "\(file.author), \(RelativeTime.describe(file.at, now: time))", .dim))
            }
        }
        if !t.comments.isEmpty {
            say("")
            say(style.paint("comments", .bold))
            if detail.moreComments {
                say(
                    style.paint(
                        "  (the latest \(t.comments.count) of \(detail.commentCount); --all for every one)", .dim))
            }
            for comment in t.comments {
                say(
                    "  "
                        + style.paint(
                            "#\(comment.number) \(comment.author), \(RelativeTime.describe(comment.at, now: time))"
                                + (comment.visibility == .public ? ", public reply" : ", internal note"),
                            .dim))
                for line in comment.body.split(separator: "\n", omittingEmptySubsequences: false) { say("    " + line) }
            }
        }
        say("")
        say(style.paint("history", .bold))
        if detail.moreEvents {
            say(style.paint("  (the latest \(detail.events.count) events; --all for every one)", .dim))
        }
        for entry in detail.events {
            say("  " + EventLine.render(seq: entry.seq, event: entry.event, now: time, style: style))
        }
    }
}
