import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

/// `swarm open`: opens a ticket, from flags or by asking.
struct Open: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Open a ticket.",
        discussion: """
            Without --title, and with a terminal attached, swarm asks for each field, showing the default \
            in brackets. Without a terminal, --title is required and the rest default to: empty \
            description, category other, urgency medium, impact medium, queue general, no skills. \
            Priority follows from urgency × impact (high × medium is P2).

            Examples:
              swarm open --title "VPN drops every hour" --category network --urgency high --impact medium \\
                --skill network.vpn --queue network
              swarm open                       # asks for title, description, category, urgency, impact
              swarm open --title "Printer jams" --json | jq -r .ticket
              swarm open --title "db1: disk full" --dedup-key nagios:db1/disk   # repeats fold into one ticket
              swarm open --for rita@example.com --via phone --title "Cannot print"   # a call, for its caller

            Staff record a call or a walk-up with --for (a requester's name, or an e-mail address from a \
            domain the hub allows, swarmd serve --mail-domains) and --via (how it came in: phone, email, \
            portal, chat, walk-in, monitoring, api; default api, or monitoring with --dedup-key). The \
            ticket is then the requester's: she sees it in the portal as hers.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "A short title (1–200 characters).")
    var title: String?

    @Option(name: [.customShort("d"), .long], help: "What happened, in as many words as needed.")
    var description: String?

    @Option(help: "hardware, software, service, network, access or other (default: other).")
    var category: SwarmProtocol.Category?

    @Option(help: "high, medium or low (default: medium).")
    var urgency: Level?

    @Option(help: "high, medium or low (default: medium).")
    var impact: Level?

    @Option(
        name: .customLong("skill"),
        help: ArgumentHelp("A skill tag the ticket needs; repeat for more.", valueName: "tag"))
    var skills: [String] = []

    @Option(help: ArgumentHelp("The queue (default: general).", valueName: "name"))
    var queue: String?

    @Option(
        name: .customLong("dedup-key"),
        help: ArgumentHelp(
            "An alert's key: while its ticket is open, opening again repeats on it (docs/monitoring.md).",
            valueName: "key"))
    var dedupKey: String?

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp(
            "Open it for this requester (staff): her name, or an address from an allowed domain.",
            valueName: "requester"))
    var requester: String?

    @Option(
        help: ArgumentHelp(
            "How it came in: \(Via.allValueStrings.joined(separator: ", ")) (default: api).", valueName: "via"))
    var via: Via?

    func validate() throws {
        if let requester, RequesterName(parsing: requester) == nil {
            throw ValidationError(
                "--for '\(requester)' is neither a requester's name (letters, digits, '.', '_', '-') "
                    + "nor an e-mail address like rita@example.com")
        }
    }

    func run() async throws {
        var open = TicketOpen(
            title: title ?? "", description: description ?? "", category: category ?? .other,
            urgency: urgency ?? .medium, impact: impact ?? .medium,
            skills: skills.isEmpty ? nil : skills.flatMap { $0.split(separator: ",").map(String.init) },
            queue: queue, dedupKey: dedupKey, requester: requester, via: via)
        if title == nil {
            guard hasTerminal, !global.json else {
                throw ClientError.usage("give --title (swarm asks for the fields only when a terminal is attached)")
            }
            open = try ask(open)
        }
        let credentials = try global.credentials()
        let ack = try await HubConnection.open(credentials) { try await $0.send(.command(.ticketOpen(open))) }
        if global.json {
            try sayJSON(ack)
        } else {
            let priority = Priority(urgency: open.urgency, impact: open.impact)
            if ack.repeated == true {
                say(
                    "repeated on \(global.style.paint(ack.ticket ?? "?", .bold)) (its alert is still open)  seq \(ack.seq ?? 0)"
                )
                return
            }
            say(
                "opened \(global.style.paint(ack.ticket ?? "?", .bold)) \(EventLine.quote(open.title)) (\(priority.rawValue))  seq \(ack.seq ?? 0)"
            )
        }
    }

    /// Asks for every field not given as a flag.
    private func ask(_ given: TicketOpen) throws -> TicketOpen {
        var open = given
        open.title = try prompt("title", default: nil) { $0 }
        if description == nil { open.description = try prompt("description", default: "") { $0 } }
        if category == nil {
            open.category = try prompt(
                "category (\(SwarmProtocol.Category.allValueStrings.joined(separator: ", ")))", default: "other"
            ) {
                SwarmProtocol.Category(rawValue: $0)
            }
        }
        if urgency == nil {
            open.urgency = try prompt("urgency (high, medium, low)", default: "medium") { Level(rawValue: $0) }
        }
        if impact == nil {
            open.impact = try prompt("impact (high, medium, low)", default: "medium") { Level(rawValue: $0) }
        }
        if skills.isEmpty {
            let tags = try prompt("skills (comma-separated)", default: "") { $0 }
            let list = tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            open.skills = list.isEmpty ? nil : list
        }
        if queue == nil {
            let name = try prompt("queue", default: "general") { $0 }
            open.queue = name == "general" ? nil : name
        }
        return open
    }

    /// Asks until the answer parses; Ctrl-D gives up.
    private func prompt<T>(_ label: String, default fallback: String?, _ parse: (String) -> T?) throws -> T {
        while true {
            let hint = fallback.map { $0.isEmpty ? "" : " [\($0)]" } ?? ""
            FileHandle.standardOutput.write(Data("\(label)\(hint): ".utf8))
            guard let line = readLine(strippingNewline: true) else {
                say("")
                throw ClientError.usage("no ticket opened")
            }
            let answer = line.trimmingCharacters(in: .whitespaces)
            let text = answer.isEmpty ? (fallback ?? "") : answer
            if text.isEmpty && fallback == nil {
                say("  \(label) is required")
                continue
            }
            if let value = parse(text) { return value }
            say("  '\(text)' is not one of the choices")
        }
    }
}
