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

/// `{"tickets":[Ticket…]}`, the answer of `GET /v1/tickets`.
public struct TicketList: Codable, Sendable, Hashable {
    public var tickets: [Ticket]
    public init(tickets: [Ticket]) { self.tickets = tickets }
}

/// `{"ticket":Ticket,"events":[{"seq","event"}…]}`, the answer of `GET /v1/tickets/{id}`.
public struct TicketDetail: Codable, Sendable, Hashable {
    /// One event of the ticket with its seq.
    public struct Entry: Codable, Sendable, Hashable {
        public var seq: Int64
        public var event: SwarmEvent
        public init(seq: Int64, event: SwarmEvent) {
            self.seq = seq
            self.event = event
        }
    }
    public var ticket: Ticket
    public var events: [Entry]
    public init(ticket: Ticket, events: [Entry]) {
        self.ticket = ticket
        self.events = events
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
