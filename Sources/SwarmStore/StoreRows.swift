import Foundation
import SwarmLanguage
import SwarmProtocol

/// The columns of the log's tables as every store writes and reads them: one mapping, so the SQLite
/// and the PostgreSQL stores cannot drift apart (a new column is added here once).
enum StoreRows {
    /// One row of `event`.
    struct EventRow {
        var seq: Int64
        var type: String
        /// `nil` for an event of no ticket (`NULL` in both stores).
        var ticket: String?
        var actor: String
        var at: Int64
        /// The channels, as ``ChannelList`` writes them.
        var channels: String
        /// The committed JSON.
        var body: String

        init(_ stored: StoredEvent) {
            seq = stored.seq
            type = stored.event.type.rawValue
            ticket = stored.event.ticket
            actor = stored.event.actor
            at = stored.event.at.milliseconds
            channels = ChannelList.encode(stored.channels)
            body = stored.json
        }
    }

    /// One row of `ticket`: the projection (``Ticket/projected``, without comments) and its indexed columns.
    struct TicketRow {
        var id: String
        var number: Int64
        var status: String
        var queue: String
        var requester: String
        var priority: String
        var updatedAt: Int64
        var body: String

        init(_ ticket: Ticket, encoder: JSONEncoder) throws {
            let projected = ticket.projected
            id = projected.id
            number = Int64(projected.number)
            status = projected.status.rawValue
            queue = projected.queue
            requester = projected.requester
            priority = projected.priority.rawValue
            updatedAt = projected.updatedAt.milliseconds
            body = String(decoding: try encoder.encode(projected), as: UTF8.self)
        }
    }

    /// One row of the knowledge base (`kb_article`) and what its full-text index holds: not the
    /// article's words but their ``SearchText`` terms, stems without stop words, so that both stores
    /// index, and match queries by, the same terms.
    struct ArticleRow {
        var id: String
        var status: String
        var title: String
        var body: String
        /// The terms of the title, in the article's language, space-separated.
        var titleTerms: String
        /// The terms of the text, in the article's language.
        var textTerms: String
        /// The terms of the tags' names (`network.vpn` → `network vpn`), English words by the taxonomy's habit.
        var tagTerms: String

        init(_ article: Article, encoder: JSONEncoder) throws {
            id = article.id
            status = article.status.rawValue
            title = article.title
            body = String(decoding: try encoder.encode(article), as: UTF8.self)
            // The article's own language. An article without one — undecided when it was written, or
            // written before articles had one — is indexed as it always was: in the language of its
            // whole text (a title alone is often too short to tell), in both when that does not tell.
            let language =
                article.language.flatMap(Language.init(code:))
                ?? LanguageDetector.detect(article.title + "\n" + article.body)
            let languages = language.map { [$0] } ?? Language.allCases
            titleTerms = SearchText.terms(of: article.title, languages: languages).joined(separator: " ")
            textTerms = SearchText.terms(of: article.body, languages: languages).joined(separator: " ")
            tagTerms = SearchText.terms(of: article.tags.joined(separator: " "), languages: [.english])
                .joined(separator: " ")
        }
    }

    /// The terms a knowledge-base search looks up (``SearchText/queryTerms(of:language:)``), at most 64.
    static func queryTerms(_ text: String) -> [String] {
        Array(SearchText.queryTerms(of: text).prefix(64))
    }

    /// An event read back: its channel list parsed and its JSON decoded.
    static func storedEvent(seq: Int64, channels: String, body: String) throws -> StoredEvent {
        guard let list = ChannelList.decode(channels) else {
            throw StoreError(.corruptRow, "event \(seq) has an unreadable channel list")
        }
        return try storedEvent(EventRecord(seq: seq, channels: list, json: body))
    }

    /// A record's event decoded.
    static func storedEvent(_ record: EventRecord) throws -> StoredEvent {
        do {
            let event = try JSONDecoder().decode(SwarmEvent.self, from: Data(record.json.utf8))
            return StoredEvent(seq: record.seq, channels: record.channels, event: event, json: record.json)
        } catch {
            throw StoreError(.corruptRow, "event \(record.seq) cannot be decoded: \(error)")
        }
    }

    /// A ticket projection read back.
    static func ticket(_ body: String) throws -> Ticket {
        do {
            return try JSONDecoder().decode(Ticket.self, from: Data(body.utf8))
        } catch {
            throw StoreError(.corruptRow, "ticket projection cannot be decoded: \(error)")
        }
    }

    /// An article read back.
    static func article(_ body: String) throws -> Article {
        do {
            return try JSONDecoder().decode(Article.self, from: Data(body.utf8))
        } catch {
            throw StoreError(.corruptRow, "article cannot be decoded: \(error)")
        }
    }
}
