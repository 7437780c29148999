import ArgumentParser
import Foundation
import SwarmClient
import SwarmProtocol

struct Metrics: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "The leads' figures: swarm, tiered and hybrid side by side (leads and admins).",
        discussion: """
            Reads GET /v1/metrics: the tickets opened in the window (all of them by default), as of now. \
            The table puts the routing modes side by side: tickets opened, resolved and open, time to \
            first response and to resolve (median, p90), hand-offs per ticket, first-contact resolution, \
            reopen, escalation, SLA breach and deflection rates, effort per ticket, utilisation. A second \
            table breaks the same figures down by how the tickets came in (phone, email, portal, chat, \
            walk-in, monitoring, api), one column per way that brought any. \
            --agents adds each agent's part (effort, and contribution to swarms they did not own). \
            docs/metrics.md defines every figure. Not for agents or requesters (exit 4).

            Examples:
              swarm metrics --compare
              swarm metrics --from 2026-11-01 --to 2026-12-01 --queue network
              swarm metrics --priority P1 --agents
              swarm metrics --csv > metrics.csv
              swarm metrics --json | jq '.modes[] | {mode, median: .resolve.median}'
            """
    )
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Swarm, tiered and hybrid side by side (the default view; for scripts that say so).")
    var compare = false
    @Flag(help: "Also list each agent's tickets, effort and contribution.") var agents = false
    @Flag(help: "Print CSV: a header, one row per mode, then one per way in (via).") var csv = false
    @Option(help: ArgumentHelp("Tickets opened from this day or time (2026-11-01 or ISO-8601 UTC).", valueName: "time"))
    var from: String?
    @Option(help: ArgumentHelp("…and before this one.", valueName: "time")) var to: String?
    @Option(help: ArgumentHelp("Only this queue.", valueName: "name")) var queue: String?
    @Option(help: ArgumentHelp("Only swarm, tiered or hybrid.", valueName: "mode")) var mode: String?
    @Option(help: ArgumentHelp("Only P1, P2, P3 or P4.", valueName: "p")) var priority: String?

    func validate() throws {
        if csv && global.json { throw ValidationError("choose --csv or --json, not both") }
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, Self.time(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a day (2026-11-01) or an ISO-8601 UTC time")
            }
        }
        if let mode, RoutingMode(rawValue: mode) == nil {
            throw ValidationError("--mode must be swarm, tiered or hybrid")
        }
        if let priority, Priority(rawValue: priority.uppercased()) == nil {
            throw ValidationError("--priority must be P1, P2, P3 or P4")
        }
    }

    /// `2026-11-01` (midnight UTC) or a full ISO-8601 UTC time, as the hub reads it.
    static func time(_ text: String) -> String? {
        let full = text.count == 10 ? text + "T00:00:00Z" : text
        return Timestamp(iso8601: full).map(\.description)
    }

    func run() async throws {
        var query: [(String, String)] = []
        if let from { query.append(("from", Self.time(from)!)) }
        if let to { query.append(("to", Self.time(to)!)) }
        if let queue { query.append(("queue", queue)) }
        if let mode { query.append(("mode", mode)) }
        if let priority { query.append(("priority", priority.uppercased())) }
        let rest = RestClient(try global.credentials())
        if csv { return FileHandle.standardOutput.write(Data(try await rest.metricsCSV(query).utf8)) }
        let report = try await rest.metrics(query)
        if global.json { return try sayJSON(report) }
        let style = global.style
        var scope = ["tickets opened"]
        if let from = report.from { scope.append("from \(from)") }
        if let to = report.to { scope.append("before \(to)") }
        if let queue = report.queue { scope.append("in queue \(queue)") }
        if let priority = report.priority { scope.append("of priority \(priority.rawValue)") }
        say(style.paint(scope.joined(separator: " ") + ", as of \(report.asOf) (seq \(report.seq))", .dim))
        let table = report.table().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for (index, line) in table.enumerated() { say(index == 0 ? style.paint(String(line), .bold) : String(line)) }
        let byVia = report.viaTable().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        if !byVia.isEmpty {
            say("")
            say(style.paint("by how tickets came in (every mode together)", .dim))
            for (index, line) in byVia.enumerated() {
                say(index == 0 ? style.paint(String(line), .bold) : String(line))
            }
        }
        guard agents else { return }
        say("")
        if report.agents.isEmpty { return say("no agent has worked these tickets") }
        let rows = report.agents.map { a in
            [
                a.agent, "\(a.tickets)", "\(a.owned)", "\(a.resolved)", MetricsReport.duration(Double(a.effortMinutes)),
                MetricsReport.duration(Double(a.contributionMinutes)), "\(a.contributedTickets)",
                a.utilisation.map { String(format: "%.0f%%", $0 * 100) } ?? "—",
            ]
        }
        Table(
            headers: ["AGENT", "TICKETS", "OWNED", "RESOLVED", "EFFORT", "CONTRIBUTED", "TO SWARMS", "UTILISATION"],
            rows: rows
        ).render(style: style) { column, _, _ in column == 0 ? .bold : nil }.forEach(say)
    }
}

struct Work: AsyncParsableCommand, HasGlobalOptions {
    static let configuration = CommandConfiguration(
        abstract: "Log time spent on a ticket (work.log), for effort and contribution metrics.",
        discussion: """
            The time is minutes (45), or hours and minutes (1h30m, 2h, 90m); from 1 minute to 24 hours \
            per entry. The note is the words after it. Resolved tickets take time logged after the fact.

            Examples:
              swarm work T-42 45 traced the tunnel renegotiation
              swarm work 42 1h30m
            """
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: ArgumentHelp("Minutes, or 1h30m.", valueName: "time")) var time: String
    @Argument(help: "An optional note.") var note: [String] = []

    func validate() throws {
        guard let minutes = Self.minutes(time), (1...1440).contains(minutes) else {
            throw ValidationError("'\(time)' is not a time from 1 minute to 24 hours (45, 90m, 1h30m)")
        }
    }

    /// `45`, `45m`, `2h`, `1h30m` → minutes.
    static func minutes(_ text: String) -> Int? {
        if let plain = Int(text) { return plain }
        var total = 0
        var digits = ""
        for character in text.lowercased() {
            if character.isNumber {
                digits.append(character)
            } else if character == "h" || character == "m", let value = Int(digits) {
                total += character == "h" ? value * 60 : value
                digits = ""
            } else {
                return nil
            }
        }
        return digits.isEmpty && total > 0 ? total : nil
    }

    func run() async throws {
        let id = ticketID(ticket)
        let minutes = Self.minutes(time)!
        let note = note.isEmpty ? nil : note.joined(separator: " ")
        try await perform(global, { _ in .command(.workLog(WorkLog(ticket: id, minutes: minutes, note: note))) }) {
            welcome, _ in
            "\(welcome.agent) logged \(MetricsReport.duration(Double(minutes))) on \(id)"
        }
    }
}
