/// The state of one ticket, as the hub keeps it and as REST and clients see it.
public struct Ticket: Codable, Sendable, Hashable {
    /// The short human id, `T-42`.
    public var id: String
    public var title: String
    public var description: String
    /// Whose ticket it is: the agent id of whoever opened it, or the requester (a name or an e-mail
    /// address) staff opened it for.
    public var requester: String
    /// How it came in (a call, a mail, the portal, …).
    public var via: Via
    /// The language of its text, `de` or `en`: as given when it was opened, else as the hub detected it
    /// (absent when its words do not tell). Skill inference and search read its words in it.
    public var language: String?
    public var category: Category
    public var urgency: Level
    public var impact: Level
    /// Derived from urgency × impact (see ``Priority/init(urgency:impact:)``).
    public var priority: Priority
    public var queue: String
    /// Skill tags the ticket needs, as given when it was opened.
    public var skills: [String]
    /// Skill tags the hub inferred from the category and the text (see docs/skills.md).
    public var inferredSkills: [String]
    public var status: TicketStatus
    /// How the ticket was resolved, when it was.
    public var resolution: String?
    /// Swarm members in the order they joined.
    public var members: [String]
    /// Co-owners in the order they were added; every owner is a member.
    public var owners: [String]
    public var comments: CommentList
    public var openedAt: Timestamp
    public var updatedAt: Timestamp
    public var resolvedAt: Timestamp?
    public var closedAt: Timestamp?
    /// How many times the ticket was reopened after being resolved or closed.
    public var reopenCount: Int
    /// Experts invited to the swarm, in the order they were invited.
    public var invitations: [Invitation]
    /// Since when the ticket has been on the backlog (no progress for the backlog time), if it is.
    public var stalledSince: Timestamp?
    /// How its queue routed it when it opened; a hybrid ticket becomes `swarm` when its swarm forms.
    public var mode: RoutingMode
    /// The support tier (1–4) of a tiered or hybrid ticket; `nil` for a swarm.
    public var tier: Int?
    /// Since when the ticket has been at its tier (its time limit counts from here).
    public var tierSince: Timestamp?
    /// The one agent assigned at the ticket's tier, when one was available.
    public var assignee: String?
    /// Hand-offs: tier changes so far.
    public var handoffs: Int
    /// The external vendor, once handed to tier 4, and the vendor's reference.
    public var vendor: String?
    public var vendorRef: String?
    /// When someone other than the requester first answered (a comment or a status change).
    public var firstResponseAt: Timestamp?
    /// The spans during which the SLA clock ran: not while waiting on the requester, nor resolved.
    public var slaSpans: [SLASpan]
    /// The SLA events already fired (`first_response:warning`, `resolution:breached`, …).
    public var slaFired: [String]
    /// Articles suggested when it opened.
    public var suggestedArticles: [String]
    /// The article it was resolved with, and whether its requester did it (deflected at tier 0).
    public var resolvedWith: String?
    public var deflected: Bool
    /// Minutes of work logged on the ticket (`work.log`), by everyone.
    public var effortMinutes: Int
    /// The monitoring alert it was opened for, when it was opened with a `dedupKey`.
    public var alert: TicketAlert?
    /// The ticket's `updatedAt` as its requester sees it: the time of the latest change she may see
    /// (her view's `updatedAt`), so an internal note does not show her when the swarm talked.
    public var publicUpdatedAt: Timestamp?
    /// The ticket's `firstResponseAt` as its requester sees it: the first public reply or status
    /// change by someone else.
    public var publicFirstResponseAt: Timestamp?
    /// Files attached, in the order attached (metadata; the bytes by `GET /v1/attachments/{id}`).
    public var attachments: [Attachment] = []

    /// Creates a ticket.
    public init(
        id: String, title: String, description: String, requester: String, category: Category,
        urgency: Level, impact: Level, queue: String, skills: [String], inferredSkills: [String] = [],
        openedAt: Timestamp, via: Via = .api
    ) {
        self.id = id
        self.via = via
        self.title = title
        self.description = description
        self.requester = requester
        self.category = category
        self.urgency = urgency
        self.impact = impact
        self.priority = Priority(urgency: urgency, impact: impact)
        self.queue = queue
        self.skills = skills
        self.inferredSkills = inferredSkills
        self.invitations = []
        self.stalledSince = nil
        self.mode = .swarm
        self.tier = nil
        self.tierSince = nil
        self.assignee = nil
        self.handoffs = 0
        self.vendor = nil
        self.vendorRef = nil
        self.firstResponseAt = nil
        self.slaSpans = [SLASpan(start: openedAt)]
        self.slaFired = []
        self.suggestedArticles = []
        self.resolvedWith = nil
        self.deflected = false
        self.effortMinutes = 0
        self.alert = nil
        self.publicUpdatedAt = nil
        self.publicFirstResponseAt = nil
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

    /// The skills the ticket needs: those given, then those inferred.
    public var requiredSkills: [String] { skills + inferredSkills.filter { !skills.contains($0) } }

    /// The number in the id (`42` for `T-42`).
    public var number: Int { Int(id.dropFirst(2)) ?? 0 }

    /// Makes the ticket id for a number.
    public static func id(number: Int) -> String { "T-\(number)" }

    private enum CodingKeys: String, CodingKey {
        case id, title, description, requester, via, category, urgency, impact, priority, queue, skills, inferredSkills
        case status, resolution, members, owners, comments, openedAt, updatedAt, resolvedAt, closedAt, reopenCount
        case invitations, stalledSince, mode, tier, tierSince, assignee, handoffs, vendor, vendorRef
        case firstResponseAt, slaSpans, slaFired, suggestedArticles, resolvedWith, deflected, effortMinutes, alert
        case publicUpdatedAt, publicFirstResponseAt, language, attachments
    }

    /// Decodes a ticket; fields added after protocol v1's first release default when absent, so
    /// logs written before them still replay.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        description = try c.decode(String.self, forKey: .description)
        requester = try c.decode(String.self, forKey: .requester)
        category = try c.decode(Category.self, forKey: .category)
        urgency = try c.decode(Level.self, forKey: .urgency)
        impact = try c.decode(Level.self, forKey: .impact)
        priority = try c.decode(Priority.self, forKey: .priority)
        queue = try c.decode(String.self, forKey: .queue)
        skills = try c.decode([String].self, forKey: .skills)
        inferredSkills = try c.decodeIfPresent([String].self, forKey: .inferredSkills) ?? []
        status = try c.decode(TicketStatus.self, forKey: .status)
        resolution = try c.decodeIfPresent(String.self, forKey: .resolution)
        members = try c.decode([String].self, forKey: .members)
        owners = try c.decode([String].self, forKey: .owners)
        comments = try c.decode(CommentList.self, forKey: .comments)
        openedAt = try c.decode(Timestamp.self, forKey: .openedAt)
        updatedAt = try c.decode(Timestamp.self, forKey: .updatedAt)
        resolvedAt = try c.decodeIfPresent(Timestamp.self, forKey: .resolvedAt)
        closedAt = try c.decodeIfPresent(Timestamp.self, forKey: .closedAt)
        reopenCount = try c.decode(Int.self, forKey: .reopenCount)
        invitations = try c.decodeIfPresent([Invitation].self, forKey: .invitations) ?? []
        stalledSince = try c.decodeIfPresent(Timestamp.self, forKey: .stalledSince)
        mode = try c.decodeIfPresent(RoutingMode.self, forKey: .mode) ?? .swarm
        tier = try c.decodeIfPresent(Int.self, forKey: .tier)
        tierSince = try c.decodeIfPresent(Timestamp.self, forKey: .tierSince)
        assignee = try c.decodeIfPresent(String.self, forKey: .assignee)
        handoffs = try c.decodeIfPresent(Int.self, forKey: .handoffs) ?? 0
        vendor = try c.decodeIfPresent(String.self, forKey: .vendor)
        vendorRef = try c.decodeIfPresent(String.self, forKey: .vendorRef)
        firstResponseAt = try c.decodeIfPresent(Timestamp.self, forKey: .firstResponseAt)
        slaSpans = try c.decodeIfPresent([SLASpan].self, forKey: .slaSpans) ?? [SLASpan(start: openedAt)]
        slaFired = try c.decodeIfPresent([String].self, forKey: .slaFired) ?? []
        suggestedArticles = try c.decodeIfPresent([String].self, forKey: .suggestedArticles) ?? []
        resolvedWith = try c.decodeIfPresent(String.self, forKey: .resolvedWith)
        deflected = try c.decodeIfPresent(Bool.self, forKey: .deflected) ?? false
        effortMinutes = try c.decodeIfPresent(Int.self, forKey: .effortMinutes) ?? 0
        alert = try c.decodeIfPresent(TicketAlert.self, forKey: .alert)
        publicUpdatedAt = try c.decodeIfPresent(Timestamp.self, forKey: .publicUpdatedAt)
        publicFirstResponseAt = try c.decodeIfPresent(Timestamp.self, forKey: .publicFirstResponseAt)
        // Before `via`, whoever opened a ticket was its requester, and the log does not say her role:
        // an alert's ticket came from monitoring, any other most likely from its requester herself.
        via = try c.decodeIfPresent(Via.self, forKey: .via) ?? (alert == nil ? .portal : .monitoring)
        language = try c.decodeIfPresent(String.self, forKey: .language)
        attachments = try c.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
    }
}

/// One comment on a ticket.
///
/// A comment is an internal note (the swarm's working talk) or a public reply (one the requester
/// sees); see Protocol/README.md, "Internal notes and public replies".
public struct Comment: Codable, Sendable, Hashable {
    /// Position of the comment on its ticket, from 1, counting every comment.
    public var number: Int
    public var author: String
    public var body: String
    public var at: Timestamp
    /// Who may read it: `internal` (staff only) or `public` (the requester too).
    public var visibility: CommentVisibility
    /// For a public reply, its position among the ticket's public replies, from 1: what a
    /// requester sees as `number`, so her numbering has no gaps that would count internal notes.
    public var replyNumber: Int?

    /// Creates a comment.
    public init(
        number: Int, author: String, body: String, at: Timestamp, visibility: CommentVisibility = .internal,
        replyNumber: Int? = nil
    ) {
        self.number = number
        self.author = author
        self.body = body
        self.at = at
        self.visibility = visibility
        self.replyNumber = replyNumber
    }

    private enum CodingKeys: String, CodingKey {
        case number, author, body, at, visibility, replyNumber
    }

    /// Decodes a comment; one written before visibilities existed is `internal`, the safe reading
    /// (its requester still sees her own comments, see `Policy.visibleComments`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        author = try c.decode(String.self, forKey: .author)
        body = try c.decode(String.self, forKey: .body)
        at = try c.decode(Timestamp.self, forKey: .at)
        visibility = try c.decodeIfPresent(CommentVisibility.self, forKey: .visibility) ?? .internal
        replyNumber = try c.decodeIfPresent(Int.self, forKey: .replyNumber)
    }
}

/// Who may read a comment.
public enum CommentVisibility: String, Codable, Sendable, Hashable, CaseIterable {
    /// The swarm's working talk: agents, experts, leads and admins only. The default for them.
    case `internal`
    /// A reply the requester sees. Requesters' own comments are always public.
    case `public`
}
