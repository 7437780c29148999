import Foundation

// The bodies of the REST API's answers (Protocol/README.md §20, Protocol/openapi.yaml): encoded by the
// hub, decoded by the Swift client, declared once here.

/// `{"protocol":1,"seq":n,"status":"ok"}`, the answer of `GET /health`.
public struct Health: Codable, Sendable, Hashable {
    public var status: String
    /// The latest committed seq.
    public var seq: Int64
    /// The protocol version, ``ProtocolInfo/version``.
    public var `protocol`: Int
    public init(status: String, seq: Int64, protocol: Int) {
        self.status = status
        self.seq = seq
        self.protocol = `protocol`
    }
}

/// `{"tickets":[Ticket…],"total":n,"next"?:"T-…"}`, the answer of `GET /v1/tickets`: one page,
/// newest first, comments left out.
public struct TicketList: Codable, Sendable, Hashable {
    public var tickets: [Ticket]
    /// How many tickets match the filters, on every page together.
    public var total: Int
    /// The cursor of the next page (`?after=` it), absent on the last page.
    public var next: String?
    /// Staff's lists: each ticket's next SLA deadline (its first response while none was given, else
    /// its resolution), by ticket id; tickets without one are left out. Absent for requesters.
    public var deadlines: [String: Timestamp]?
    public init(tickets: [Ticket], total: Int? = nil, next: String? = nil, deadlines: [String: Timestamp]? = nil) {
        self.tickets = tickets
        self.total = total ?? tickets.count
        self.next = next
        self.deadlines = deadlines
    }

    private enum CodingKeys: String, CodingKey { case tickets, total, next, deadlines }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tickets = try c.decode([Ticket].self, forKey: .tickets)
        total = try c.decodeIfPresent(Int.self, forKey: .total) ?? tickets.count
        next = try c.decodeIfPresent(String.self, forKey: .next)
        deadlines = try c.decodeIfPresent([String: Timestamp].self, forKey: .deadlines)
    }
}

/// `GET /v1/tickets/next`: the ticket to take next, and why.
public struct NextTicketAnswer: Codable, Sendable, Hashable {
    public var ticket: Ticket
    /// Why this one: its priority, its SLA deadline, the skills of yours it needs, its age.
    public var reasons: [String]
    /// Its next SLA deadline, if its queue has targets.
    public var deadline: Timestamp?
    public init(ticket: Ticket, reasons: [String], deadline: Timestamp? = nil) {
        self.ticket = ticket
        self.reasons = reasons
        self.deadline = deadline
    }
}

/// One event of a ticket with its seq, as `GET /v1/tickets/{id}` and its `events` page list them.
public struct TicketEventEntry: Codable, Sendable, Hashable {
    public var seq: Int64
    public var event: SwarmEvent
    public init(seq: Int64, event: SwarmEvent) {
        self.seq = seq
        self.event = event
    }
}

/// The answer of `GET /v1/tickets/{id}`: the ticket with its most recent page of comments
/// (`ticket.comments`) and of events; earlier ones are read page by page from
/// `GET /v1/tickets/{id}/comments` and `/events`, so no answer grows with a ticket's history.
public struct TicketDetail: Codable, Sendable, Hashable {
    public typealias Entry = TicketEventEntry
    public var ticket: Ticket
    /// The most recent events the caller may see, oldest first.
    public var events: [Entry]
    /// How many comments the caller may see on the ticket; `ticket.comments` holds the last of them.
    public var commentCount: Int
    /// Whether there are comments before those in `ticket.comments`.
    public var moreComments: Bool
    /// Whether there are events before those in `events`.
    public var moreEvents: Bool
    public init(
        ticket: Ticket, events: [Entry], commentCount: Int? = nil, moreComments: Bool = false, moreEvents: Bool = false
    ) {
        self.ticket = ticket
        self.events = events
        self.commentCount = commentCount ?? ticket.comments.count
        self.moreComments = moreComments
        self.moreEvents = moreEvents
    }

    private enum CodingKeys: String, CodingKey { case ticket, events, commentCount, moreComments, moreEvents }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ticket = try c.decode(Ticket.self, forKey: .ticket)
        events = try c.decode([Entry].self, forKey: .events)
        commentCount = try c.decodeIfPresent(Int.self, forKey: .commentCount) ?? ticket.comments.count
        moreComments = try c.decodeIfPresent(Bool.self, forKey: .moreComments) ?? false
        moreEvents = try c.decodeIfPresent(Bool.self, forKey: .moreEvents) ?? false
    }
}

/// The answer of `GET /v1/tickets/{id}/comments?after=|before=&limit=`: one page of comments,
/// oldest first, as the caller sees them (a requester's numbered among the public replies).
public struct CommentPage: Codable, Sendable, Hashable {
    public var comments: [Comment]
    /// How many comments the caller may see on the ticket.
    public var total: Int
    /// Whether more comments follow in the direction of paging (after the last with `after`,
    /// before the first with `before`).
    public var more: Bool
    public init(comments: [Comment], total: Int, more: Bool) {
        self.comments = comments
        self.total = total
        self.more = more
    }
}

/// The answer of `GET /v1/tickets/{id}/events?after=|before=&limit=`: one page of the ticket's
/// events the caller may see, oldest first.
public struct EventPage: Codable, Sendable, Hashable {
    public var events: [TicketEventEntry]
    /// Whether more events follow in the direction of paging.
    public var more: Bool
    public init(events: [TicketEventEntry], more: Bool) {
        self.events = events
        self.more = more
    }
}

/// `{"ticket":Ticket,"seq":n,"repeated"?:true}`, the answer of `POST /v1/tickets`.
public struct OpenedTicket: Codable, Sendable, Hashable {
    /// The ticket after the command, as the caller may see it.
    public var ticket: Ticket
    /// The seq of the command's last event.
    public var seq: Int64
    /// `true` when a `dedupKey` matched an open ticket (`alert.repeated` was logged on it).
    public var repeated: Bool?
    public init(ticket: Ticket, seq: Int64, repeated: Bool?) {
        self.ticket = ticket
        self.seq = seq
        self.repeated = repeated
    }
}

/// The answer of `GET /v1/tickets/{id}/candidates`: the ticket's required skills, the ranked
/// candidates with their reasons, and the invitations so far.
public struct CandidateList: Codable, Sendable, Hashable {
    public var ticket: String
    public var skills: [String]
    public var inferredSkills: [String]
    public var candidates: [Candidate]
    public var invitations: [Invitation]
    public init(
        ticket: String, skills: [String], inferredSkills: [String], candidates: [Candidate],
        invitations: [Invitation]
    ) {
        self.ticket = ticket
        self.skills = skills
        self.inferredSkills = inferredSkills
        self.candidates = candidates
        self.invitations = invitations
    }
}

/// `{"agents":[Agent…]}`, the answer of `GET /v1/agents`.
public struct AgentList: Codable, Sendable, Hashable {
    public var agents: [AgentProfile]
    public init(agents: [AgentProfile]) { self.agents = agents }
}

/// `{"tags":[Tag…],"categories":{category:[tag…]}}`, the answer of `GET /v1/skills`.
public struct SkillCatalog: Codable, Sendable, Hashable {
    /// One tag of the taxonomy.
    public struct Tag: Codable, Sendable, Hashable {
        public var tag: String
        public var description: String
        /// Other spellings the hub reads as this tag.
        public var synonyms: [String]
        /// Words that, in a ticket's title or description, infer the tag.
        public var keywords: [String]
        /// How many agents hold exactly this tag.
        public var agents: Int
        /// How many tickets not resolved or closed need it.
        public var openTickets: Int
        public init(
            tag: String, description: String, synonyms: [String], keywords: [String], agents: Int,
            openTickets: Int
        ) {
            self.tag = tag
            self.description = description
            self.synonyms = synonyms
            self.keywords = keywords
            self.agents = agents
            self.openTickets = openTickets
        }
    }
    public var tags: [Tag]
    /// Category → the tags every ticket of that category is inferred to need.
    public var categories: [String: [String]]
    public init(tags: [Tag], categories: [String: [String]]) {
        self.tags = tags
        self.categories = categories
    }
}

/// `{"articles":[{id, title, score}…]}`, the answer of `GET /v1/kb`.
public struct ArticleList: Codable, Sendable, Hashable {
    public var articles: [ArticleMatch]
    public init(articles: [ArticleMatch]) { self.articles = articles }
}

/// `{"alerts":[Outcome…]}`, the answer of `POST /v1/alerts`: what happened to each alert, in order.
public struct AlertOutcomes: Codable, Sendable, Hashable {
    /// What happened to one alert.
    public struct Outcome: Codable, Sendable, Hashable {
        public var dedupKey: String
        /// `firing` or `resolved`.
        public var status: String
        public var ticket: String?
        public var repeated: Bool?
        public var unknown: Bool?
        /// Why the hub refused the alert's command.
        public var error: RestError.Detail?
        public init(
            dedupKey: String, status: String, ticket: String? = nil, repeated: Bool? = nil,
            unknown: Bool? = nil,
            error: RestError.Detail? = nil
        ) {
            self.dedupKey = dedupKey
            self.status = status
            self.ticket = ticket
            self.repeated = repeated
            self.unknown = unknown
            self.error = error
        }
    }
    public var alerts: [Outcome]
    public init(alerts: [Outcome]) { self.alerts = alerts }
}

/// `{"error":{"code","message"}}`, the body of every REST error.
public struct RestError: Codable, Sendable, Hashable {
    /// The wire code and the message for people.
    public struct Detail: Codable, Sendable, Hashable {
        public var code: ErrorCode
        public var message: String
        public init(code: ErrorCode, message: String) {
            self.code = code
            self.message = message
        }
    }
    public var error: Detail
    public init(code: ErrorCode, message: String) {
        self.error = Detail(code: code, message: message)
    }
}

/// `{"outcome", "ticket"?, "reason"?, "files"?}`, the answer (202) of `POST /v1/mail`: what one message
/// did, and with each of its files.
public struct MailOutcome: Codable, Sendable, Hashable {
    /// What became of a message.
    public enum Outcome: String, Codable, Sendable, Hashable, CaseIterable {
        /// A new ticket, whose requester is the sender.
        case opened
        /// A public reply by the sender on the ticket the message answers.
        case commented
        /// Taken and dropped on purpose: automatic mail (RFC 3834 and friends), a bounce, the hub's own.
        case ignored
        /// Refused without a word back to the sender (no backscatter): an unknown sender, a reply by
        /// someone not the ticket's requester, a message that is not one.
        case rejected
    }

    public var outcome: Outcome
    public var ticket: String?
    public var reason: String?
    /// What became of each file the message carried, in its order; absent when it carried none or the
    /// message itself was not taken (`ignored` or `rejected` before its files were looked at).
    public var files: [MailFile]?

    public init(_ outcome: Outcome, ticket: String? = nil, reason: String? = nil, files: [MailFile]? = nil) {
        self.outcome = outcome
        self.ticket = ticket
        self.reason = reason
        self.files = files
    }
}

/// `{"name", "size", "result", "attachment"?, "reason"?}`: one file of a message `POST /v1/mail` took.
public struct MailFile: Codable, Sendable, Hashable {
    /// What became of a file.
    public enum Result: String, Codable, Sendable, Hashable, CaseIterable {
        /// Attached to the ticket, public, by the sender: `attachment` is its id.
        case attached
        /// Not attached, for `reason` (over a limit, infected, the virus scanner away); staff find an
        /// internal note on the ticket naming the file and the reason.
        case refused
        /// Not kept, on purpose: an inline picture smaller than `--mail-signature-image-size`, a
        /// signature's logo (`reason` says so).
        case dropped
    }

    /// The file name as the hub keeps it (made safe).
    public var name: String
    /// Its size in bytes, decoded.
    public var size: Int
    public var result: Result
    /// The attachment's id (`A-7`), when `attached`.
    public var attachment: String?
    /// Why it was refused or dropped.
    public var reason: String?

    public init(name: String, size: Int, result: Result, attachment: String? = nil, reason: String? = nil) {
        self.name = name
        self.size = size
        self.result = result
        self.attachment = attachment
        self.reason = reason
    }
}

/// The answer of `POST /v1/tickets/{id}/attachments`: the file as attached.
public struct AttachedFile: Codable, Sendable, Hashable {
    public var attachment: Attachment
    /// The seq of `attachment.added`.
    public var seq: Int64
    public init(attachment: Attachment, seq: Int64) {
        self.attachment = attachment
        self.seq = seq
    }
}

/// `GET /v1/limits`: the sizes the hub refuses beyond, announced so clients refuse early with the number.
public struct HubLimits: Codable, Sendable, Hashable {
    /// The most bytes one attached file may have (`--attachment-max-file`).
    public var attachmentMaxFile: Int
    /// The most bytes of files one ticket may hold (`--attachment-max-ticket`).
    public var attachmentMaxTicket: Int
    /// The longest WebSocket frame or JSON request body (`--max-frame-size`).
    public var maxFrameSize: Int
    public init(attachmentMaxFile: Int, attachmentMaxTicket: Int, maxFrameSize: Int) {
        self.attachmentMaxFile = attachmentMaxFile
        self.attachmentMaxTicket = attachmentMaxTicket
        self.maxFrameSize = maxFrameSize
    }
}
