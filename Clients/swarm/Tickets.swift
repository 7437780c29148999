import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm tickets`: the ticket list, filtered.
struct Tickets: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "List tickets, newest first.",
        discussion: """
            Reads GET /v1/tickets (at most 500, newest first). --status and --queue are filtered by the
            hub; --mine and --skill by swarm itself, because the hub's REST API has no such filters yet.
            --mine keeps tickets you requested, swarm or own. --skill TAG keeps tickets needing TAG or a
            tag under it (network matches network.vpn).

            Examples:
              swarm tickets
              swarm tickets --mine --status in_progress
              swarm tickets --queue network --skill network.vpn
              swarm tickets --json | jq -r '.tickets[].id'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only tickets you requested, swarm or own.")
    var mine = false

    @Option(help: ArgumentHelp("Only tickets with this status.", valueName: "status"))
    var status: TicketStatus?

    @Option(help: ArgumentHelp("Only tickets in this queue.", valueName: "name"))
    var queue: String?

    @Option(help: ArgumentHelp("Only tickets needing this skill tag (or one under it).", valueName: "tag"))
    var skill: String?

    func run() async throws {
        let credentials = try global.credentials()
        var tickets = try await RestClient(credentials).tickets(status: status, queue: queue)
        if mine {
            let me = try await whoAmI(credentials)
            tickets = tickets.filter { $0.requester == me || $0.members.contains(me) || $0.owners.contains(me) }
        }
        if let skill {
            tickets = tickets.filter { $0.skills.contains { $0 == skill || $0.hasPrefix(skill + ".") } }
        }
        if global.json {
            try sayJSON(TicketList(tickets: tickets))
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
            Reads GET /v1/tickets/ID: the ticket as last committed — with the skills it was given and
            those the hub inferred, and the experts invited to its swarm — and every event of it, in
            order. In the console, showing a ticket also tells the people watching it that you are
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

    func run() async throws {
        let credentials = try global.credentials()
        let detail = try await RestClient(credentials).ticket(ticketID(ticket))
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
        for entry in detail.events {
            say("  " + EventLine.render(seq: entry.seq, event: entry.event, now: time, style: style))
        }
    }
}
