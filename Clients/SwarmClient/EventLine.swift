public import Foundation
public import SwarmProtocol

/// One event as one line for people: ticket id first, then when (on the clock), the type, and what
/// happened.
///
///     T-42   14:05        comment.added   alice: "Logs show the tunnel renegotiating"  #45
public enum EventLine {
    /// The line for an event with its `seq`; its time is a clock time in `timeZone`, with the date
    /// when it was not on the day of `now` (``ClockTime``).
    public static func render(
        seq: Int64, event: SwarmEvent, now: Timestamp, style: Style, timeZone: TimeZone = .current
    ) -> String {
        let ticket = (event.ticket ?? "-").padding(toLength: 6)
        let when = ClockTime.describe(event.at, now: now, timeZone: timeZone).padding(toLength: 12)
        let type = event.type.rawValue.padding(toLength: 15)
        return "\(style.paint(ticket, .bold)) \(style.paint(when, .dim)) \(style.paint(type, color(of: event)))"
            + " \(summary(event))  \(style.paint("#\(seq)", .dim))"
    }

    /// The colour of an event type: green for beginnings and endings, cyan for the swarm, and so on.
    public static func color(of event: SwarmEvent) -> Style.Color {
        switch event.payload {
        case .ticketOpened: .green
        case .swarmJoined, .swarmLeft: .cyan
        case .commentAdded, .attachmentAdded: .blue
        case .ownerAdded, .ownerRemoved: .magenta
        case .statusChanged(_, let to, _): to.isDone ? .green : .yellow
        case .expertInvited, .helpRequested: .yellow
        case .inviteAnswered(_, let accept, _): accept ? .cyan : .dim
        case .ticketStalled: .red
        case .skillsChanged, .presenceChanged, .tiersChanged, .queueConfigured, .notifyChanged: .dim
        case .ticketEscalated: .magenta
        case .slaWarning: .yellow
        case .slaBreached: .red
        case .kbCreated, .kbPublished, .kbSuggested: .blue
        case .kbApplied: .green
        case .workLogged: .dim
        case .alertRepeated, .mailBounced: .red
        case .alertRecovered: .green
        }
    }

    /// A choice of notices by mail in words: `invite, answer to nick@it.example (de)` or `none`.
    public static func describe(_ settings: NotifySettings) -> String {
        guard let mail = settings.mail, !settings.kinds.isEmpty else { return "none" }
        return settings.kinds.map(\.rawValue).joined(separator: ", ") + " to \(mail)"
            + (settings.language.map { " (\($0))" } ?? "")
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
            let said = "\(comment.author): \(quote(comment.body))"
            return comment.visibility == .public ? "\(said) (public reply)" : said
        case .ownerAdded(let agent):
            return agent == actor ? "\(agent) took ownership" : "\(actor) made \(agent) an owner"
        case .ownerRemoved(let agent):
            return agent == actor ? "\(agent) gave up ownership" : "\(actor) removed \(agent) as owner"
        case .statusChanged(let from, let to, let resolution):
            let change = "\(actor): \(from.rawValue) → \(to.rawValue)"
            return resolution.map { "\(change) \(quote($0))" } ?? change
        case .expertInvited(let agent, let score, let origin, _, let reasons):
            // The hub's own invitations (actor swarmd) read best without an actor.
            let who = actor == hub ? "" : "\(actor) "
            let why = reasons.map { reason($0.text) }.joined(separator: "; ")
            let kind =
                switch origin {
                case .opened, .requested: ""
                case .help: " to help"
                case .replacement: " as a replacement"
                }
            return "\(who)invited \(agent)\(kind) (score \(score)\(why.isEmpty ? "" : ": " + why))"
        case .inviteAnswered(let agent, let accept, let expired):
            if expired { return "\(agent)'s invitation expired unanswered" }
            return "\(agent) \(accept ? "accepted" : "declined") the invitation"
        case .helpRequested(let agent, let skills, let note):
            let asked = "\(agent) asks for help: \(skills.joined(separator: ", "))"
            return note.map { "\(asked) \(quote($0))" } ?? asked
        case .ticketStalled(let since):
            let quiet = RelativeTime.span((event.at.milliseconds - since.milliseconds) / 1000)
            return "stalled: no progress for \(quiet), now on the backlog"
        case .skillsChanged(let agent, let skills):
            let list = skills.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let whose = agent == actor ? "\(agent)'s skills" : "\(actor) set \(agent)'s skills"
            return list.isEmpty ? "\(whose): none" : "\(whose): \(list)"
        case .presenceChanged(let agent, let status, let auto):
            switch (status, auto) {
            case (.offline, _): return "\(agent) is offline"
            case (_, true): return "\(agent) is online, \(status.rawValue)"
            case (_, false): return "\(agent) is \(status.rawValue)"
            }
        case .ticketEscalated(let escalation):
            let who = escalation.auto ? "time limit" : actor
            if escalation.swarm {
                return "\(who): tier \(escalation.from) → a swarm forms \(quote(escalation.reason))"
            }
            let to = escalation.to.map { "tier \($0)" } ?? "?"
            var line = "\(who): tier \(escalation.from) → \(to)"
            if let assignee = escalation.assignee { line += ", assigned to \(assignee)" }
            if let vendor = escalation.vendor {
                line += ", vendor \(vendor)" + (escalation.vendorRef.map { " (\($0))" } ?? "")
            }
            return line + " " + quote(escalation.reason)
        case .tiersChanged(let agent, let tiers):
            let list = tiers.map(String.init).joined(separator: ", ")
            return "\(actor) set \(agent)'s tiers: \(list.isEmpty ? "none" : list)"
        case .queueConfigured(let queue, let mode):
            return "queue \(queue) now routes new tickets by \(mode.rawValue)"
        case .slaWarning(let target, let due):
            let left = RelativeTime.span(max(0, (due.milliseconds - event.at.milliseconds) / 1000))
            return "SLA warning: \(target == .firstResponse ? "first response" : "resolution") due in \(left)"
        case .kbCreated(let article):
            let kind = article.status == .draft ? "drafted" : "wrote"
            return "\(actor) \(kind) \(article.id) \(quote(article.title))"
        case .kbPublished(let article):
            return "\(actor) published \(article)"
        case .kbSuggested(let articles):
            return "may help: " + articles.map { "\($0.id) \(quote($0.title, limit: 40))" }.joined(separator: ", ")
        case .kbApplied(let article, let deflected):
            return "\(actor) resolved it with \(article)" + (deflected ? " (self-service)" : "")
        case .workLogged(let agent, let minutes, let note):
            return "\(agent) logged \(minutes) min of work" + (note.map { ": \(quote($0))" } ?? "")
        case .slaBreached(let target, _):
            return "SLA breached: \(target == .firstResponse ? "first response" : "resolution") target missed"
        case .alertRepeated(let count, let output):
            return "alert repeated (\(count) times): \(quote(output))"
        case .alertRecovered(let output, let resolved):
            return "alert recovered\(resolved ? ", resolved" : ""): \(quote(output))"
        case .mailBounced(let address, let status, let diagnostic):
            let why = [status, diagnostic.map { quote($0) }].compactMap { $0 }.joined(separator: " ")
            return "mail to \(address) bounced" + (why.isEmpty ? "" : ": \(why)")
        case .notifyChanged(let settings):
            return "\(actor) set \(settings.agent)'s notices by mail: " + describe(settings)
        case .attachmentAdded(let file):
            let attached =
                "\(actor) attached \(quote(file.name)) (\(file.mediaType), \(ByteSize.describe(file.size)), \(file.id))"
            return file.visibility == .public ? "\(attached) (public)" : attached
        }
    }

    /// The actor of the events the hub decides itself (Protocol §6).
    static let hub = "swarmd"

    /// A score reason without its points, which the score already sums up:
    /// "network.dns level 5, exact match: +100" → "network.dns level 5, exact match".
    static func reason(_ text: String) -> String {
        guard let colon = text.lastIndex(of: ":") else { return text }
        let points = text[text.index(after: colon)...].drop { $0 == " " }
        guard let sign = points.first, sign == "+" || sign == "-", points.count > 1,
            points.dropFirst().allSatisfy(\.isNumber)
        else { return text }
        return String(text[..<colon])
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
