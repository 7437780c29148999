/// What kind of notice an event is for one person; people choose the kinds that reach them, in the
/// terminal (`swarm notify --on`, kept with the client's profile) and by mail (`notify.set`, kept by
/// the hub).
public enum NoticeKind: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// `expert.invited` naming me.
    case invite
    /// `owner.added` naming me by someone else, `ticket.escalated` or `ticket.opened` assigning me.
    case assign
    /// `sla.warning` or `sla.breached` on a ticket I own or am assigned.
    case sla
    /// `comment.added` by the requester on a ticket I swarm, own or am assigned.
    case answer

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }

    public static func < (lhs: NoticeKind, rhs: NoticeKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The one rule for which events are notices for whom — pure, shared by the terminal client (its bell
/// and desktop notices) and the hub (its notice mails), so both ring for the same events:
///
/// - `invite`: `expert.invited` naming me, while the invitation still runs;
/// - `assign`: `owner.added` naming me, `ticket.escalated` or `ticket.opened` naming me the assignee;
/// - `sla`: `sla.warning` or `sla.breached` on a ticket I own or am assigned;
/// - `answer`: `comment.added` by the ticket's requester on a ticket I swarm, own or am assigned.
///
/// Never for my own actions (the event's actor is me): making myself an owner or opening a ticket of my
/// own is nothing to ring about. Requesters' tickets' facts come from before or after the event: the
/// rules hold either way.
public enum NoticeRule {
    /// Whether `event` may be a notice for `me` once the ticket's facts are known, and so whether it is
    /// worth learning them: a cheap look at the event alone.
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

    /// The kind of notice `event` is for `me`, given what is known of its ticket (`nil` when nothing
    /// is), at `now`; `nil` when it is none. Without facts an invitation or an assignment still is one;
    /// an SLA alarm or an answer is not (whose ticket it is decides).
    public static func kind(of event: SwarmEvent, for me: String, ticket facts: TicketFacts?, now: Timestamp)
        -> NoticeKind?
    {
        guard mayConcern(event, me: me) else { return nil }
        switch event.payload {
        case .expertInvited(_, _, _, let expires, _):
            // An invitation that ran out before anyone could hear of it is not worth a notice.
            return expires > now ? .invite : nil
        case .ownerAdded, .ticketEscalated, .ticketOpened:
            return .assign
        case .slaWarning, .slaBreached:
            guard let facts, facts.isCarried(by: me) else { return nil }
            return .sla
        case .commentAdded(let comment):
            guard let facts, comment.author == facts.requester, facts.requester != me, facts.isWorked(by: me)
            else { return nil }
            return .answer
        default:
            return nil
        }
    }
}

/// `notify.set {kinds, mail?, language?, agent?}`: the notices the hub mails to a person — the kinds,
/// the address (none: no mail), and the language of the mails (`de` or `en`; none: the hub's
/// `--mail-language`). Replaces the person's whole choice. Without `agent` it sets the sender's own;
/// leads and admins may name anyone who works tickets.
public struct NotifySet: Codable, Sendable, Hashable {
    public var kinds: [NoticeKind]
    public var mail: String?
    public var language: String?
    public var agent: String?
    public init(kinds: [NoticeKind], mail: String? = nil, language: String? = nil, agent: String? = nil) {
        self.kinds = kinds
        self.mail = mail
        self.language = language
        self.agent = agent
    }
}

/// A person's choice of notices by mail, as the hub keeps it (`notify.changed`, and
/// `GET /v1/agents/{id}/notify`): no address, no mail.
public struct NotifySettings: Codable, Sendable, Hashable {
    public var agent: String
    /// The kinds mailed, in their documented order.
    public var kinds: [NoticeKind]
    public var mail: String?
    public var language: String?

    public init(agent: String, kinds: [NoticeKind] = [], mail: String? = nil, language: String? = nil) {
        self.agent = agent
        self.kinds = kinds
        self.mail = mail
        self.language = language
    }
}

/// The answer of `GET /v1/agents/{id}/notify`: the person's choice and whether this hub sends mail at
/// all (`mailOut`, false without `--mail-from`: a choice is kept, nothing is sent).
public struct NotifyAnswer: Codable, Sendable, Hashable {
    public var settings: NotifySettings
    public var mailOut: Bool
    public init(settings: NotifySettings, mailOut: Bool) {
        self.settings = settings
        self.mailOut = mailOut
    }
}
