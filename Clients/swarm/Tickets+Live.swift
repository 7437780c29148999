import Foundation
import SwarmClient
import SwarmProtocol

extension Tickets {
    /// `swarm tickets --live`: the list on the whole terminal, kept current (``LiveWorkList``).
    func runLive(_ query: TicketQuery, credentials: Credentials) async throws {
        let style = global.style
        let live = LiveWorkList(
            credentials: credentials, query: query, limit: all ? nil : (limit ?? 100), title: liveTitle, style: style
        ) { list, now in
            guard !list.tickets.isEmpty else { return (nil, ["no tickets"]) }
            let lines = Self.table(list.tickets, deadlines: list.deadlines, now: now, style: style)
            return (lines.first, Array(lines.dropFirst()))
        }
        // In the console its event lines wait while the list has the screen, as while the editor has
        // it: written over the list they would garble it. They print when the list is left.
        ConsoleSession.terminal?.hold()
        defer { ConsoleSession.terminal?.release() }
        try await live.run()
    }

    /// The command as the live header shows it: the filters given, then the order (`newest` when none
    /// is given), in the options' own words.
    var liveTitle: String {
        var words = ["swarm", "tickets"]
        if mine { words.append("--mine") }
        if open { words.append("--open") }
        if let status { words += ["--status", status] }
        if let queue { words += ["--queue", queue] }
        if let priority { words += ["--priority", priority.uppercased()] }
        if let skill { words += ["--skill", skill] }
        if let owner { words += ["--owner", owner] }
        if let search { words += ["--search", "\"\(search)\""] }
        words += ["--sort", sort ?? "newest"]
        if let limit { words += ["--limit", String(limit)] }
        if all { words.append("--all") }
        // What was typed goes to the screen: no control character in it may reach the terminal.
        return TerminalText.clean(words.joined(separator: " "))
    }
}
