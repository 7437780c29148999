/// `hello {token, client?}`: authenticates the connection.
public struct Hello: Codable, Sendable, Hashable {
    public var token: String
    /// Free text naming the client program, for logs.
    public var client: String?
    public init(token: String, client: String? = nil) {
        self.token = token
        self.client = client
    }
}

/// `subscribe {channels, since?}` and `unsubscribe {channels}`.
public struct ChannelRequest: Codable, Sendable, Hashable {
    public var channels: [String]
    /// Replay events after this `seq` before live events (subscribe only).
    public var since: Int64?
    /// The log epoch `since` was read in (`welcome.epoch`, subscribe only): a hub whose log has another
    /// epoch answers `epoch_changed` instead of replaying numbers that may mean other events.
    public var epoch: String?
    public init(channels: [String], since: Int64? = nil, epoch: String? = nil) {
        self.channels = channels
        self.since = since
        self.epoch = epoch
    }
}

/// `ticket.open {title, description, category, urgency, impact, skills?, queue?, dedupKey?, requester?, via?}`;
/// also the body of `POST /v1/tickets`.
public struct TicketOpen: Codable, Sendable, Hashable {
    public var title: String
    public var description: String
    public var category: Category
    public var urgency: Level
    public var impact: Level
    public var skills: [String]?
    public var queue: String?
    /// A monitoring alert's identity: while a ticket opened with this key is not resolved or closed,
    /// opening again logs `alert.repeated` on it instead of opening a ticket (see ``DedupKey``).
    public var dedupKey: String?
    /// Whom the ticket is for, when staff record it for someone (a call, a walk-up): a requester's
    /// name, or an e-mail address from a domain the hub allows. Absent: the sender.
    public var requester: String?
    /// How the ticket came in; absent: `monitoring` with a `dedupKey`, else `portal` from a requester
    /// and `api` from staff.
    public var via: Via?
    /// The language of the title and description, `de` or `en`; absent: the hub detects it.
    public var language: String?
    public init(
        title: String, description: String, category: Category, urgency: Level, impact: Level,
        skills: [String]? = nil, queue: String? = nil, dedupKey: String? = nil, requester: String? = nil,
        via: Via? = nil, language: String? = nil
    ) {
        self.title = title
        self.description = description
        self.category = category
        self.urgency = urgency
        self.impact = impact
        self.skills = skills
        self.queue = queue
        self.dedupKey = dedupKey
        self.requester = requester
        self.via = via
        self.language = language
    }
}

/// `swarm.join {ticket}` and `swarm.leave {ticket}`.
public struct TicketRef: Codable, Sendable, Hashable {
    public var ticket: String
    public init(ticket: String) { self.ticket = ticket }
}

/// `comment.add {ticket, body, visibility?}`.
public struct CommentAdd: Codable, Sendable, Hashable {
    public var ticket: String
    public var body: String
    /// `internal` or `public`; absent means the sender's default (internal for staff, public for
    /// requesters).
    public var visibility: CommentVisibility?
    /// `true` on a public reply that asks the requester something: the ticket waits for her answer
    /// (`status.changed` to `waiting`), and her answer moves it back to `in_progress`.
    public var waiting: Bool?
    public init(ticket: String, body: String, visibility: CommentVisibility? = nil, waiting: Bool? = nil) {
        self.ticket = ticket
        self.body = body
        self.visibility = visibility
        self.waiting = waiting
    }
}

/// `owner.add {ticket, agent}` and `owner.remove {ticket, agent}`.
public struct OwnerChange: Codable, Sendable, Hashable {
    public var ticket: String
    public var agent: String
    public init(ticket: String, agent: String) {
        self.ticket = ticket
        self.agent = agent
    }
}

/// `ticket.status {ticket, status, resolution?}`.
public struct StatusChange: Codable, Sendable, Hashable {
    public var ticket: String
    public var status: TicketStatus
    public var resolution: String?
    public init(ticket: String, status: TicketStatus, resolution: String? = nil) {
        self.ticket = ticket
        self.status = status
        self.resolution = resolution
    }
}
