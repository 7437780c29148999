public import SwarmProtocol

/// Decides whether an event is a notice for one person, and of which kind: pure, so every rule is
/// a unit test away.
///
/// - `invite`: `expert.invited` naming me, while the invitation still runs;
/// - `assign`: `owner.added` naming me, `ticket.escalated` or `ticket.opened` naming me the assignee;
/// - `sla`: `sla.warning` or `sla.breached` on a ticket I own or am assigned;
/// - `answer`: `comment.added` by the ticket's requester on a ticket I swarm, own or am assigned.
///
/// Never for my own actions (the event's actor is me): making myself an owner or opening a ticket
/// of my own is nothing to ring about.
public enum NoticeClassifier {
    /// Whether `event` may be a notice for `me` once the ticket's facts are known, and so whether
    /// it is worth learning them: a cheap look at the event alone.
    public static func mayConcern(_ event: SwarmEvent, me: String) -> Bool {
        guard event.actor != me, event.ticket != nil else { return false }
        switch event.payload {
        case .expertInvited(let agent, _, _, _, _): return agent == me
        case .ownerAdded(let agent): return agent == me
        case .ticketEscalated(let escalation): return escalation.assignee == me
        case .ticketOpened(let ticket): return ticket.assignee == me
        case .slaWarning, .slaBreached: return true
        case .commentAdded(let comment): return comment.author != me
        default: return false
        }
    }

    /// The notice `event` (number `seq`) is for `me`, given what is known of its ticket (`nil` when
    /// nothing is); `nil` when it is none. The facts are those from before the event, or after it
    /// (learned from the hub since): the rules hold either way.
    public static func classify(
        _ event: SwarmEvent, seq: Int64, me: String, ticket facts: TicketFacts?, now: Timestamp
    ) -> Notice? {
        guard mayConcern(event, me: me), let id = event.ticket else { return nil }
        let actor = event.actor
        let title = facts.map { " " + EventLine.quote($0.title, limit: 60) } ?? ""
        func notice(_ kind: Notice.Kind, _ headline: String, _ body: String) -> Notice {
            Notice(
                kind: kind, ticket: id, seq: seq, title: TerminalText.clean("\(headline): \(id)"),
                body: TerminalText.clean(body))
        }
        switch event.payload {
        case .expertInvited(_, let score, let origin, let expires, _):
            // An invitation that ran out while we were away is not worth a bell.
            guard expires > now else { return nil }
            let who = actor == EventLine.hub ? "you are invited" : "\(actor) invited you"
            let why =
                switch origin {
                case .opened, .requested: ""
                case .help: " to help"
                case .replacement: " as a replacement"
                }
            return notice(
                .invite, Notice.Kind.invite.label,
                "\(who)\(why) (score \(score)), answer \(RelativeTime.until(expires, now: now))\(colon(title))")
        case .ownerAdded:
            return notice(.assign, Notice.Kind.assign.label, "\(actor) made you an owner\(colon(title))")
        case .ticketEscalated(let escalation):
            let who = escalation.auto ? "the time limit" : actor
            let to = escalation.to.map { "tier \($0)" } ?? "a swarm"
            return notice(
                .assign, Notice.Kind.assign.label, "\(who) escalated it to \(to) and assigned you\(colon(title))")
        case .ticketOpened(let ticket):
            return notice(
                .assign, Notice.Kind.assign.label,
                "\(actor) opened it (\(ticket.priority.rawValue)), assigned to you: "
                    + EventLine.quote(ticket.title, limit: 60))
        case .slaWarning(let target, let due):
            guard let facts, facts.isCarried(by: me) else { return nil }
            let left = RelativeTime.span(max(0, (due.milliseconds - now.milliseconds) / 1000))
            return notice(.sla, "SLA warning", "\(describe(target)) due in \(left)\(colon(title))")
        case .slaBreached(let target, _):
            guard let facts, facts.isCarried(by: me) else { return nil }
            return notice(.sla, "SLA breached", "\(describe(target)) target missed\(colon(title))")
        case .commentAdded(let comment):
            guard let facts, comment.author == facts.requester, facts.requester != me, facts.isWorked(by: me)
            else { return nil }
            return notice(
                .answer, Notice.Kind.answer.label, "\(comment.author): \(EventLine.quote(comment.body, limit: 100))")
        default:
            return nil
        }
    }

    private static func describe(_ target: SLATarget) -> String {
        target == .firstResponse ? "first response" : "resolution"
    }

    private static func colon(_ title: String) -> String { title.isEmpty ? "" : ":" + title }
}
