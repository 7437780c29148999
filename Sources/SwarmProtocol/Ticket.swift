/// The state of one ticket, as the hub keeps it and as REST and clients see it.
public struct Ticket: Codable, Sendable, Hashable {
    /// The short human id, `T-42`.
    public var id: String
    public var title: String
    public var description: String
    /// The agent id of whoever opened the ticket.
    public var requester: String
    public var category: Category
    public var urgency: Level
    public var impact: Level
    /// Derived from urgency × impact (see ``Priority/init(urgency:impact:)``).
    public var priority: Priority
    public var queue: String
    /// Skill tags the ticket needs, as given when it was opened.
    public var skills: [String]
    public var status: TicketStatus
    /// How the ticket was resolved, when it was.
    public var resolution: String?
    /// Swarm members in the order they joined.
    public var members: [String]
    /// Co-owners in the order they were added; every owner is a member.
    public var owners: [String]
    public var comments: [Comment]
    public var openedAt: Timestamp
    public var updatedAt: Timestamp
    public var resolvedAt: Timestamp?
    public var closedAt: Timestamp?
    /// How many times the ticket was reopened after being resolved or closed.
    public var reopenCount: Int

    /// Creates a ticket.
    public init(
        id: String, title: String, description: String, requester: String, category: Category,
        urgency: Level, impact: Level, queue: String, skills: [String], openedAt: Timestamp
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.requester = requester
        self.category = category
        self.urgency = urgency
        self.impact = impact
        self.priority = Priority(urgency: urgency, impact: impact)
        self.queue = queue
        self.skills = skills
        self.status = .new
        self.resolution = nil
        self.members = []
        self.owners = []
        self.comments = []
        self.openedAt = openedAt
        self.updatedAt = openedAt
        self.resolvedAt = nil
        self.closedAt = nil
        self.reopenCount = 0
    }

    /// The number in the id (`42` for `T-42`).
    public var number: Int { Int(id.dropFirst(2)) ?? 0 }

    /// Makes the ticket id for a number.
    public static func id(number: Int) -> String { "T-\(number)" }
}

/// One comment on a ticket.
public struct Comment: Codable, Sendable, Hashable {
    /// Position of the comment on its ticket, from 1.
    public var number: Int
    public var author: String
    public var body: String
    public var at: Timestamp

    /// Creates a comment.
    public init(number: Int, author: String, body: String, at: Timestamp) {
        self.number = number
        self.author = author
        self.body = body
        self.at = at
    }
}
