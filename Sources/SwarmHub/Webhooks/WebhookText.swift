import SwarmProtocol

/// The words of a hook's message: one line per event, in the terminal client's wording where it has
/// one (Clients/SwarmClient/EventLine.swift, which the hub does not link), with the ticket in front.
enum WebhookText {
    /// `[T-42] VPN bricht ab — dana was invited (score 87)`; the summary alone for an event of no ticket.
    static func line(_ event: SwarmEvent, ticket: Ticket?) -> String {
        guard let headline = headline(event, ticket: ticket) else { return summary(event) }
        return "\(headline) — \(summary(event))"
    }

    /// `[T-42] VPN bricht ab`, or `[T-42]` when the ticket is not known; `nil` for an event of no ticket.
    static func headline(_ event: SwarmEvent, ticket: Ticket?) -> String? {
        guard let id = event.ticket else { return nil }
        return ticket.map { "[\(id)] \(flat($0.title))" } ?? "[\(id)]"
    }

    /// What happened, in a few words.
    static func summary(_ event: SwarmEvent) -> String {
        let actor = event.actor
        switch event.payload {
        case .ticketOpened(let ticket):
            return "\(actor) opened it (\(ticket.priority.rawValue), queue \(ticket.queue), via \(ticket.via.rawValue))"
        case .swarmJoined(let agent):
            return agent == actor ? "\(agent) joined the swarm" : "\(actor) added \(agent) to the swarm"
        case .swarmLeft(let agent):
            return agent == actor ? "\(agent) left the swarm" : "\(actor) took \(agent) out of the swarm"
        case .commentAdded(let comment):
            let said = "\(comment.author): \(quote(comment.body))"
            return comment.visibility == .public ? "\(said) (public reply)" : "\(said) (internal note)"
        case .attachmentAdded(let file):
            let attached = "\(file.author) attached \(quote(file.name)) (\(file.mediaType), \(file.size) bytes)"
            return file.visibility == .public ? "\(attached) (public)" : "\(attached) (internal)"
        case .ownerAdded(let agent):
            return agent == actor ? "\(agent) took ownership" : "\(actor) made \(agent) an owner"
        case .ownerRemoved(let agent):
            return agent == actor ? "\(agent) gave up ownership" : "\(actor) removed \(agent) as owner"
        case .statusChanged(let from, let to, let resolution):
            let change = "\(actor): \(from.rawValue) → \(to.rawValue)"
            return resolution.map { "\(change) \(quote($0))" } ?? change
        case .expertInvited(let agent, let score, let origin, let expires, _):
            let kind =
                switch origin {
                case .opened, .requested: ""
                case .help: " to help"
                case .replacement: " as a replacement"
                }
            let left = duration(expires.milliseconds - event.at.milliseconds)
            return "\(agent) is invited\(kind) (score \(score)); the invitation runs out in \(left)"
        case .inviteAnswered(let agent, let accept, let expired):
            if expired { return "\(agent)'s invitation expired unanswered" }
            return "\(agent) \(accept ? "accepted" : "declined") the invitation"
        case .helpRequested(let agent, let skills, let note):
            let asked = "\(agent) asks for help: \(skills.joined(separator: ", "))"
            return note.map { "\(asked) \(quote($0))" } ?? asked
        case .ticketStalled:
            return "stalled: no progress, now on the backlog"
        case .skillsChanged(let agent, let skills):
            let list = skills.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return list.isEmpty ? "\(agent)'s skills: none" : "\(agent)'s skills: \(list)"
        case .presenceChanged(let agent, let status, _):
            return "\(agent) is \(status.rawValue)"
        case .ticketEscalated(let escalation):
            let who = escalation.auto ? "time limit" : actor
            if escalation.swarm { return "\(who): tier \(escalation.from) → a swarm forms \(quote(escalation.reason))" }
            var line = "\(who): tier \(escalation.from) → " + (escalation.to.map { "tier \($0)" } ?? "?")
            if let assignee = escalation.assignee { line += ", assigned to \(assignee)" }
            if let vendor = escalation.vendor { line += ", vendor \(vendor)" }
            return line + " " + quote(escalation.reason)
        case .tiersChanged(let agent, let tiers):
            let list = tiers.map(String.init).joined(separator: ", ")
            return "\(actor) set \(agent)'s tiers: \(list.isEmpty ? "none" : list)"
        case .queueConfigured(let queue, let mode):
            return "queue \(queue) now routes new tickets by \(mode.rawValue)"
        case .slaWarning(let target, let due):
            let left = duration(due.milliseconds - event.at.milliseconds)
            return "SLA warning: \(target == .firstResponse ? "first response" : "resolution") due in \(left)"
        case .slaBreached(let target, _):
            return "SLA breached: \(target == .firstResponse ? "first response" : "resolution") target missed"
        case .kbCreated(let article):
            return "\(actor) \(article.status == .draft ? "drafted" : "wrote") \(article.id) \(quote(article.title))"
        case .kbPublished(let article):
            return "\(actor) published \(article)"
        case .kbSuggested(let articles):
            return "may help: " + articles.map { "\($0.id) \(quote($0.title))" }.joined(separator: ", ")
        case .kbApplied(let article, let deflected):
            return "\(actor) resolved it with \(article)" + (deflected ? " (self-service)" : "")
        case .workLogged(let agent, let minutes, let note):
            return "\(agent) logged \(minutes) min of work" + (note.map { ": \(quote($0))" } ?? "")
        case .alertRepeated(let count, let output):
            return "alert repeated (\(count) times): \(quote(output))"
        case .alertRecovered(let output, let resolved):
            return "alert recovered\(resolved ? ", resolved" : ""): \(quote(output))"
        case .mailBounced(let address, let status, _):
            return "mail to \(address) bounced" + (status.map { ": \($0)" } ?? "")
        case .notifyChanged(let settings):
            // Never carried (WebhookPlan.view): a person's address is not for a team's chat.
            return "\(settings.agent)'s notices by mail changed"
        }
    }

    /// A duration as a chat line says it: `45 s`, `10 min`, `3 h 20 min`, `2 d`.
    static func duration(_ milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds) / 1000
        switch seconds {
        case ..<60: return "\(seconds) s"
        case ..<3600: return "\(seconds / 60) min"
        case ..<(2 * 86_400):
            let minutes = seconds / 60 % 60
            return "\(seconds / 3600) h" + (minutes == 0 ? "" : " \(minutes) min")
        default: return "\(seconds / 86_400) d"
        }
    }

    /// `"text"` on one line: a chat line with the text's own line breaks would be several messages' worth.
    static func quote(_ text: String) -> String { "\"\(flat(text))\"" }

    static func flat(_ text: String) -> String { text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ") }
}
