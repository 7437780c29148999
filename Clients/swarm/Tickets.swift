import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm tickets`: the ticket list, filtered.
struct Tickets: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "List tickets, newest first.",
        discussion: """
            Reads GET /v1/tickets, newest first, page by page: the first 100 tickets unless --limit N \
            or --all. --status (one or more, comma-separated), --queue and --mine (tickets you swarm \
            on or own) are filtered by the hub; --skill by swarm itself. --skill TAG keeps tickets \
            needing TAG or a tag under it (network matches network.vpn).

            Examples:
              swarm tickets
              swarm tickets --mine --status new,open,in_progress
              swarm tickets --queue network --skill network.vpn
              swarm tickets --all --json | jq -r '.tickets[].id'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only tickets you swarm on or own.")
    var mine = false

    @Option(help: ArgumentHelp("Only tickets with one of these statuses (comma-separated).", valueName: "status,…"))
    var status: String?

    @Option(help: ArgumentHelp("Only tickets in this queue.", valueName: "name"))
    var queue: String?

    @Option(help: ArgumentHelp("Only tickets needing this skill tag (or one under it).", valueName: "tag"))
    var skill: String?

    @Option(help: ArgumentHelp("At most this many tickets (default 100).", valueName: "n"))
    var limit: Int?

    @Flag(help: "Every matching ticket, however many.")
    var all = false

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

    func validate() throws {
        if let status { _ = try Self.statuses(status) }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
        if limit != nil && all { throw ValidationError("--limit and --all exclude each other") }
    }

    func run() async throws {
        let credentials = try global.credentials()
        let me = mine ? try await whoAmI(credentials) : nil
        var (tickets, total) = try await RestClient(credentials).tickets(
            statuses: try status.map(Self.statuses) ?? [], queue: queue, member: me, limit: all ? nil : (limit ?? 100))
        if let skill {
            tickets = tickets.filter { $0.skills.contains { $0 == skill || $0.hasPrefix(skill + ".") } }
        }
        if global.json {
            try sayJSON(TicketList(tickets: tickets, total: total))
            return
        }
        guard !tickets.isEmpty else {
            say("no tickets")
            return
        }
        let time = now()
        let table = Table(
            headers: ["ID", "PRI", "STATUS", "QUEUE", "OWNERS", "UPDATED", "TITLE"],
            rows: tickets.map { ticket in
                [
                    ticket.id, ticket.priority.rawValue, ticket.status.rawValue, ticket.queue,
                    ticket.owners.isEmpty ? "-" : ticket.owners.joined(separator: ","),
                    RelativeTime.describe(ticket.updatedAt, now: time),
                    String(EventLine.quote(ticket.title, limit: 60).dropFirst().dropLast()),
                ]
            })
        let lines = table.render(style: global.style) { column, row, _ in
            switch column {
            case 0: return .bold
            case 1: return tickets[row].priority <= .p2 ? .red : nil
            case 2: return statusColor(tickets[row].status)
            default: return nil
            }
        }
        lines.forEach(say)
        if skill == nil && tickets.count < total {
            say(global.style.paint("\(tickets.count) of \(total) tickets; --limit N or --all for more", .dim))
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
        abstract: "Show a ticket: its state, swarm, owners, comments and history.",
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
