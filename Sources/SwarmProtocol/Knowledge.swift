/// A knowledge-base article (tier 0, self-service): `KB-7`.
public struct Article: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Written (or captured from a ticket) but not yet offered to requesters.
        case draft
        /// Searchable and suggested on new tickets.
        case published

        public init(from decoder: any Decoder) throws {
            self = try decodeWireEnum(from: decoder)
        }
    }

    public var id: String
    public var title: String
    public var body: String
    public var tags: [String]
    public var status: Status
    public var author: String
    /// The ticket it was captured from, if any.
    public var source: String?
    /// The language of its text, `de` or `en`: as `kb.create` gave it (a captured article: its
    /// ticket's), else as the hub detected it from the title and body; absent when they do not tell,
    /// and on articles written before it existed. Absent means either language: the index reads its
    /// words in both (in the detected one, if any) and a language filter lets it through.
    public var language: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, title: String, body: String, tags: [String], status: Status, author: String, source: String?,
        language: String? = nil, at: Timestamp
    ) {
        self.id = id
        self.title = title
        self.body = body
        self.tags = tags
        self.status = status
        self.author = author
        self.source = source
        self.language = language
        self.createdAt = at
        self.updatedAt = at
    }

    /// The number in the id (`7` for `KB-7`).
    public var number: Int { Int(id.dropFirst(3)) ?? 0 }

    /// Makes the article id for a number.
    public static func id(number: Int) -> String { "KB-\(number)" }
}

/// An article found by a search: its id, title, language and how well it matched (higher is better).
public struct ArticleMatch: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    /// Relevance from SQLite FTS5's bm25, negated and in thousandths, so higher is better and the
    /// number is exact in JSON.
    public var score: Int
    /// The article's language (``Article/language``), absent when it has none.
    public var language: String?
    public init(id: String, title: String, score: Int, language: String? = nil) {
        self.id = id
        self.title = title
        self.score = score
        self.language = language
    }
}

/// `kb.create {title, body, tags?, draft?, language?}`: writes an article (published unless `draft`).
public struct KBCreate: Codable, Sendable, Hashable {
    public var title: String
    public var body: String
    public var tags: [String]?
    public var draft: Bool?
    /// The language of the title and body, `de` or `en`; absent: the hub detects it.
    public var language: String?
    public init(title: String, body: String, tags: [String]? = nil, draft: Bool? = nil, language: String? = nil) {
        self.title = title
        self.body = body
        self.tags = tags
        self.draft = draft
        self.language = language
    }
}

/// `kb.capture {ticket}`: turns a resolved ticket into a draft article.
public typealias KBCapture = TicketRef

/// `kb.publish {article}`: offers a draft to requesters and searches.
public struct KBPublish: Codable, Sendable, Hashable {
    public var article: String
    public init(article: String) { self.article = article }
}

/// `kb.apply {ticket, article}`: resolves a ticket with an article (deflected at tier 0 when the
/// requester does it).
public struct KBApply: Codable, Sendable, Hashable {
    public var ticket: String
    public var article: String
    public init(ticket: String, article: String) {
        self.ticket = ticket
        self.article = article
    }
}

/// `kb.search {query, limit?, language?}`: answered by an `ack` carrying `articles`.
public struct KBSearch: Codable, Sendable, Hashable {
    public var query: String
    public var limit: Int?
    /// Only articles in this language, `de` or `en` (and those without one); absent: any.
    public var language: String?
    public init(query: String, limit: Int? = nil, language: String? = nil) {
        self.query = query
        self.limit = limit
        self.language = language
    }
}
