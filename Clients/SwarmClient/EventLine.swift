public import SwarmProtocol

/// One event as one line for people: ticket id first, then when, the type, and what happened.
///
///     T-42  2s ago    comment.added   alice: "Logs show the tunnel renegotiating"  #45
public enum EventLine {
    /// The line for an event with its `seq`, relative to `now`.
    public static func render(seq: Int64, event: SwarmEvent, now: Timestamp, style: Style) -> String {
        let ticket = (event.ticket ?? "-").padding(toLength: 6)
        let when = RelativeTime.describe(event.at, now: now).padding(toLength: 9)
        let type = event.type.rawValue.padding(toLength: 15)
        return "\(style.paint(ticket, .bold)) \(style.paint(when, .dim)) \(style.paint(type, color(of: event)))"
            + " \(summary(event))  \(style.paint("#\(seq)", .dim))"
    }

    /// The colour of an event type: green for beginnings and endings, cyan for the swarm, and so on.
    public static func color(of event: SwarmEvent) -> Style.Color {
        switch event.payload {
        case .ticketOpened: .green
        case .swarmJoined, .swarmLeft: .cyan
        case .commentAdded: .blue
        case .ownerAdded, .ownerRemoved: .magenta
        case .statusChanged(_, let to, _): to.isDone ? .green : .yellow
        // Event types newer than this client: shown plainly, never dropped.
        default: .dim
        }
    }

    /// What happened, in words.
    public static func summary(_ event: SwarmEvent) -> String {
        let actor = event.actor
        switch event.payload {
        case .ticketOpened(let ticket):
            return "\(actor) opened \(quote(ticket.title)) (\(ticket.priority.rawValue), \(ticket.queue))"
        case .swarmJoined(let agent):
            return agent == actor ? "\(agent) joined the swarm" : "\(actor) added \(agent) to the swarm"
        case .swarmLeft(let agent):
            return agent == actor ? "\(agent) left the swarm" : "\(actor) took \(agent) out of the swarm"
        case .commentAdded(let comment):
            return "\(comment.author): \(quote(comment.body))"
        case .ownerAdded(let agent):
            return agent == actor ? "\(agent) took ownership" : "\(actor) made \(agent) an owner"
        case .ownerRemoved(let agent):
            return agent == actor ? "\(agent) gave up ownership" : "\(actor) removed \(agent) as owner"
        case .statusChanged(let from, let to, let resolution):
            let change = "\(actor): \(from.rawValue) → \(to.rawValue)"
            return resolution.map { "\(change) \(quote($0))" } ?? change
        default:
            return "by \(actor)"
        }
    }

    /// Text on one line, quoted, shortened to `limit` characters.
    public static func quote(_ text: String, limit: Int = 80) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
        let short = flat.count > limit ? flat.prefix(limit - 1) + "…" : Substring(flat)
        return "\"\(short)\""
    }
}

extension String {
    /// The string padded with spaces to `length` characters (never cut).
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
