public import SwarmProtocol

/// Whom a view of the log is for: the swarm's staff see every event whole; a requester sees only
/// what concerns her as the one who asked (invariant 6 of DESIGN.md).
public enum Audience: Sendable, Hashable {
    /// Agents, experts, leads, admins (and the hub itself): every event, whole.
    case staff
    /// A requester, by id: her tickets' public side only.
    case requester(String)

    /// The audience of `principal`.
    public init(_ principal: Principal) {
        self = principal.role == .requester ? .requester(principal.id) : .staff
    }

    /// Whether this audience sees every event as it is (no per-event check needed).
    public var seesEverything: Bool { self == .staff }
}

/// What one audience may see of one event.
public enum EventView: Sendable, Hashable {
    /// The event as logged (its stored JSON can be sent as it is).
    case whole
    /// A redacted copy, to be encoded for this audience.
    case redacted(SwarmEvent)
    /// Nothing: the event is left out.
    case hidden
}

extension Policy {
    /// What `audience` may see of `event`, decided from what she may see *now*: the one rule every
    /// path asks — live fan-out, resume with `since`, REST tickets and their history, the terminal
    /// client and the portal.
    ///
    /// A requester sees events of the tickets she asked for (their requester in `state` is her) and
    /// nothing else, whatever channel carried them: her personal channel also carries the events of
    /// tickets she swarms on, if the name was ever staff (names keep their audience, docs/operations.md).
    /// Of her tickets she sees the public side — that it opened, who swarms and owns it, its status,
    /// suggested and applied articles, and the public replies (with `number` taken from
    /// `replyNumber`, so her numbering counts no internal notes). Everything else is left out, not
    /// replaced by a placeholder: internal notes, help requests and work notes, invitations and their
    /// scores, escalations and their reasons, SLA and backlog alarms, captured drafts. A placeholder
    /// would tell her when the swarm talked about her and how often; her `seq` stream has gaps
    /// already (the log is global, her channels see a part of it), so leaving events out breaks
    /// nothing in resume by `since`.
    public static func view(of event: SwarmEvent, for audience: Audience, in state: SwarmState) -> EventView {
        guard case .requester(let id) = audience else { return .whole }
        guard let ticket = event.ticket, state.tickets[ticket]?.requester == id else { return .hidden }
        return view(of: event, forRequester: id)
    }

    /// `event` as `audience` sees it, or `nil` when it is left out.
    public static func visible(_ event: SwarmEvent, for audience: Audience, in state: SwarmState) -> SwarmEvent? {
        switch view(of: event, for: audience, in: state) {
        case .whole: event
        case .redacted(let redacted): redacted
        case .hidden: nil
        }
    }

    /// What the requester `id` of the event's ticket sees of `event` (the caller has checked that the
    /// ticket is hers).
    static func view(of event: SwarmEvent, forRequester id: String) -> EventView {
        switch event.payload {
        case .ticketOpened(let ticket):
            let shown = view(of: ticket, forRequester: id)
            if shown == ticket { return .whole }
            var redacted = event
            redacted.payload = .ticketOpened(shown)
            return .redacted(redacted)
        case .commentAdded(let comment):
            guard let shown = view(of: comment, for: id) else { return .hidden }
            if shown == comment { return .whole }
            var redacted = event
            redacted.payload = .commentAdded(shown)
            return .redacted(redacted)
        case .swarmJoined, .swarmLeft, .ownerAdded, .ownerRemoved, .statusChanged, .kbSuggested, .kbApplied:
            return .whole
        case .attachmentAdded(let attachment):
            // An internal file is the swarm's, as an internal note is.
            return attachment.visibility == .public ? .whole : .hidden
        case .alertRepeated, .alertRecovered:
            // A monitor's own reports on the ticket it opened: the output is what it sent.
            return .whole
        case .skillsChanged, .presenceChanged, .expertInvited, .inviteAnswered, .helpRequested, .ticketStalled,
            .ticketEscalated, .tiersChanged, .queueConfigured, .slaWarning, .slaBreached, .kbCreated, .kbPublished,
            .workLogged, .mailBounced, .notifyChanged:
            return .hidden
        }
    }

    /// Whether the requester of the event's ticket sees `event` at all (``apply`` keeps her view's
    /// times with it).
    static func requesterSees(_ event: SwarmEvent, ofTicketRequestedBy id: String) -> Bool {
        if case .hidden = view(of: event, forRequester: id) { return false }
        return true
    }

    /// An attachment as `audience` sees it, or `nil` when it is left out: an internal file is staff's.
    public static func view(of attachment: Attachment, for audience: Audience) -> Attachment? {
        guard case .requester = audience else { return attachment }
        return attachment.visibility == .public ? attachment : nil
    }

    /// A comment as `audience` sees it, or `nil` when it is left out.
    public static func view(of comment: Comment, for audience: Audience) -> Comment? {
        guard case .requester(let id) = audience else { return comment }
        return view(of: comment, for: id)
    }

    /// A comment as requester `id` sees it: public replies numbered among public replies, and her
    /// own comments (always public since visibilities exist; from an older log they read as
    /// internal, and are still hers); `nil` for an internal note.
    static func view(of comment: Comment, for id: String) -> Comment? {
        guard comment.visibility == .public || comment.author == id else { return nil }
        var shown = comment
        shown.number = comment.replyNumber ?? comment.number
        shown.replyNumber = nil
        shown.visibility = .public
        return shown
    }

    /// `ticket` as `audience` sees it. Staff see it whole. Its requester sees the fields that follow
    /// from events she may see: her comments and the public replies (so their count is the count of
    /// public replies), and `updatedAt`/`firstResponseAt` from those events only; the fields that
    /// come from the swarm's working events are left out — invitations (the scoring of experts),
    /// tier, assignee, hand-offs and vendor (escalations), effort (work logs), SLA alarms, the backlog
    /// mark. Its SLA spans follow from status changes, which she sees, and stay. Anyone else's ticket is never shown to a requester (``canRead(_:_:)``).
    public static func view(of ticket: Ticket, for audience: Audience) -> Ticket {
        guard case .requester(let id) = audience else { return ticket }
        return view(of: ticket, forRequester: id)
    }

    static func view(of ticket: Ticket, forRequester id: String) -> Ticket {
        var shown = ticket
        shown.comments = CommentList(ticket.comments.lazy.compactMap { view(of: $0, for: id) })
        shown.attachments = ticket.attachments.filter { $0.visibility == .public }
        shown.invitations = []
        shown.tier = nil
        shown.tierSince = nil
        shown.assignee = nil
        shown.handoffs = 0
        shown.vendor = nil
        shown.vendorRef = nil
        shown.slaFired = []
        shown.stalledSince = nil
        shown.effortMinutes = 0
        shown.updatedAt = ticket.publicUpdatedAt ?? ticket.openedAt
        shown.firstResponseAt = ticket.publicFirstResponseAt
        shown.publicUpdatedAt = nil
        shown.publicFirstResponseAt = nil
        return shown
    }
}
