import SwarmCore
import SwarmProtocol
import SwarmStore

/// Which events mail a notice to a person who chose notices by mail (`notify.set`), and what the mail
/// says: pure, from the event and the committed state.
///
/// Which events are notices for whom is SwarmProtocol's ``NoticeRule`` — the rule `swarm watch` and the
/// console ring their bell by — with the ticket's facts from the state: an invitation naming the
/// person, an assignment to them, an SLA alarm on a ticket they carry, the requester's answer on a
/// ticket they work on; never their own actions. Staff see every event whole, so the mail may say what
/// the event says; it goes only to the address the person gave.
enum NoticeMailPlan {
    /// The longest part of the requester's answer a notice quotes.
    static let quoteLimit = 2000

    static func mails(
        for stored: StoredEvent, in state: SwarmState, domain: String, language: MailLanguage, now: Timestamp
    ) -> [PlannedMail] {
        let event = stored.event
        guard !state.notifications.isEmpty, let id = event.ticket, let ticket = state.tickets[id] else { return [] }
        let facts = TicketFacts(ticket)
        var result: [PlannedMail] = []
        for (agent, settings) in state.notifications.sorted(by: { $0.key < $1.key }) {
            guard let address = settings.mail,
                let kind = NoticeRule.kind(of: event, for: agent, ticket: facts, now: now),
                settings.kinds.contains(kind)
            else { continue }
            let language = settings.language.flatMap(MailLanguage.init(rawValue:)) ?? language
            let words = NoticeMailTexts(language: language)
            guard let text = words.text(of: event, kind: kind, ticket: ticket, now: now) else { continue }
            result.append(
                PlannedMail(
                    id: "\(id).\(stored.seq).\(agent)@\(domain)", seq: stored.seq, ticket: id, recipient: address,
                    kind: .notice, subject: "\(words.headline(kind, of: event)): \(ticket.title)", text: text,
                    references: ["\(id)@\(domain)"], date: event.at, language: language))
        }
        return result
    }
}

/// The notice mails' words, in German and English.
struct NoticeMailTexts {
    var language: MailLanguage

    func headline(_ kind: NoticeKind, of event: SwarmEvent) -> String {
        switch (kind, language, event.payload) {
        case (.invite, .de, _): "Einladung"
        case (.invite, .en, _): "Invitation"
        case (.assign, .de, _): "Ihnen zugewiesen"
        case (.assign, .en, _): "Assigned to you"
        case (.sla, .de, .slaBreached): "SLA verletzt"
        case (.sla, .en, .slaBreached): "SLA breached"
        case (.sla, .de, _): "SLA-Warnung"
        case (.sla, .en, _): "SLA warning"
        case (.answer, .de, _): "Antwort"
        case (.answer, .en, _): "Answer"
        }
    }

    /// The body: what happened, the ticket's title, what to do, and why the mail came.
    func text(of event: SwarmEvent, kind: NoticeKind, ticket: Ticket, now: Timestamp) -> String? {
        let id = ticket.id
        let de = language == .de
        let what: String
        switch event.payload {
        case .expertInvited(_, let score, let origin, let expires, _):
            let minutes = max(1, Int((expires.milliseconds - now.milliseconds + 59_999) / 60_000))
            let why =
                switch (origin, de) {
                case (.help, true): " zur Unterstützung"
                case (.help, false): " to help"
                case (.replacement, true): " als Ersatz"
                case (.replacement, false): " as a replacement"
                case (.opened, _), (.requested, _): ""
                }
            what =
                de
                ? "\(event.actor) lädt Sie\(why) in den Schwarm von \(id) ein (Punktzahl \(score)). Die Einladung "
                    + "gilt noch \(minutes) Minuten: swarm invites accept \(id) (oder decline)."
                : "\(event.actor) invites you\(why) to the swarm of \(id) (score \(score)). The invitation runs "
                    + "\(minutes) more minutes: swarm invites accept \(id) (or decline)."
        case .ownerAdded:
            what =
                de
                ? "\(event.actor) hat Sie zum Owner von \(id) gemacht." : "\(event.actor) made you an owner of \(id)."
        case .ticketEscalated(let escalation):
            let to = escalation.to.map { de ? "Stufe \($0)" : "tier \($0)" } ?? (de ? "einen Schwarm" : "a swarm")
            let who = escalation.auto ? (de ? "Die Zeitgrenze" : "The time limit") : event.actor
            what =
                de
                ? "\(who) hat \(id) an \(to) eskaliert und Ihnen zugewiesen."
                : "\(who) escalated \(id) to \(to) and assigned it to you."
        case .ticketOpened(let opened):
            what =
                de
                ? "\(event.actor) hat \(id) eröffnet (\(opened.priority.rawValue)) und Ihnen zugewiesen."
                : "\(event.actor) opened \(id) (\(opened.priority.rawValue)) and assigned it to you."
        case .slaWarning(let target, let due):
            let minutes = max(0, Int((due.milliseconds - now.milliseconds) / 60_000))
            what =
                de
                ? "Das Ziel für \(describe(target)) von \(id) ist in \(minutes) Minuten fällig."
                : "The \(describe(target)) target of \(id) is due in \(minutes) minutes."
        case .slaBreached(let target, _):
            what =
                de
                ? "Das Ziel für \(describe(target)) von \(id) ist verfehlt."
                : "The \(describe(target)) target of \(id) was missed."
        case .commentAdded(let comment):
            let body =
                comment.body.count > NoticeMailPlan.quoteLimit
                ? String(comment.body.prefix(NoticeMailPlan.quoteLimit - 1)) + "…" : comment.body
            let quoted = body.split(separator: "\n", omittingEmptySubsequences: false).map { "> \($0)" }
                .joined(separator: "\n")
            what =
                de
                ? "\(comment.author) hat auf \(id) geantwortet:\n\n\(quoted)"
                : "\(comment.author) answered on \(id):\n\n\(quoted)"
        default:
            return nil
        }
        let footer =
            de
            ? "Diese Benachrichtigung kommt, weil Sie sie gewählt haben (swarm notify --mail). Antworten auf "
                + "diese E-Mail werden nicht gelesen: swarm show \(id)."
            : "You get this notice because you chose it (swarm notify --mail). Replies to this e-mail are not "
                + "read: swarm show \(id)."
        return "\(what)\n\n  \(ticket.title)\n\n-- \n\(footer)"
    }

    private func describe(_ target: SLATarget) -> String {
        switch (target, language) {
        case (.firstResponse, .de): "die erste Antwort"
        case (.firstResponse, .en): "first response"
        case (.resolution, .de): "die Lösung"
        case (.resolution, .en): "resolution"
        }
    }
}
