public import SwarmProtocol

/// Turns an event into one person's notice, in words for the terminal: which events are notices, and
/// of which kind, is ``NoticeRule``'s (SwarmProtocol), the one rule the hub's notice mails follow too.
public enum NoticeClassifier {
    /// Whether `event` may be a notice for `me` once the ticket's facts are known (``NoticeRule``).
    public static func mayConcern(_ event: SwarmEvent, me: String) -> Bool { NoticeRule.mayConcern(event, me: me) }

    /// The notice `event` (number `seq`) is for `me`, given what is known of its ticket (`nil` when
    /// nothing is); `nil` when it is none. The facts are those from before the event, or after it
    /// (learned from the hub since): the rules hold either way.
    public static func classify(
        _ event: SwarmEvent, seq: Int64, me: String, ticket facts: TicketFacts?, now: Timestamp
    ) -> Notice? {
        guard let kind = NoticeRule.kind(of: event, for: me, ticket: facts, now: now), let id = event.ticket else {
            return nil
        }
        let actor = event.actor
        let title = facts.map { " " + EventLine.quote($0.title, limit: 60) } ?? ""
        func notice(_ headline: String, _ body: String) -> Notice {
            Notice(
                kind: kind, ticket: id, seq: seq, title: TerminalText.clean("\(headline): \(id)"),
                body: TerminalText.clean(body))
        }
        switch event.payload {
        case .expertInvited(_, let score, let origin, let expires, _):
            let who = actor == EventLine.hub ? "you are invited" : "\(actor) invited you"
            let why =
                switch origin {
                case .opened, .requested: ""
                case .help: " to help"
                case .replacement: " as a replacement"
                }
            return notice(
                kind.label,
                "\(who)\(why) (score \(score)), answer \(RelativeTime.until(expires, now: now))\(colon(title))")
        case .ownerAdded:
            return notice(kind.label, "\(actor) made you an owner\(colon(title))")
        case .ticketEscalated(let escalation):
            let who = escalation.auto ? "the time limit" : actor
            let to = escalation.to.map { "tier \($0)" } ?? "a swarm"
            return notice(kind.label, "\(who) escalated it to \(to) and assigned you\(colon(title))")
        case .ticketOpened(let ticket):
            return notice(
                kind.label,
                "\(actor) opened it (\(ticket.priority.rawValue)), assigned to you: "
                    + EventLine.quote(ticket.title, limit: 60))
        case .slaWarning(let target, let due):
            let left = RelativeTime.span(max(0, (due.milliseconds - now.milliseconds) / 1000))
            return notice("SLA warning", "\(describe(target)) due in \(left)\(colon(title))")
        case .slaBreached(let target, _):
            return notice("SLA breached", "\(describe(target)) target missed\(colon(title))")
        case .commentAdded(let comment):
            return notice(kind.label, "\(comment.author): \(EventLine.quote(comment.body, limit: 100))")
        default:
            return nil
        }
    }

    private static func describe(_ target: SLATarget) -> String {
        target == .firstResponse ? "first response" : "resolution"
    }

    private static func colon(_ title: String) -> String { title.isEmpty ? "" : ":" + title }
}
