import Foundation
import SwarmCore
import SwarmLanguage
import SwarmProtocol
import SwarmStore

/// `kb.search` and `GET /v1/kb?q=`: the same checks and the same FTS5 query for both. A `language`
/// keeps the articles in it and those without one (``Article/language``).
enum KnowledgeSearch {
    static let limits = 1...50

    static func run(_ search: KBSearch, in store: any ArticleSearch) async throws(HubError) -> [ArticleMatch] {
        let query = search.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Limits.searchLength.contains(query.count) else {
            throw HubError(.invalidField, "field 'query' must have 1 to \(Limits.searchLength.upperBound) characters")
        }
        let limit = search.limit ?? 5
        guard limits.contains(limit) else {
            throw HubError(.invalidField, "field 'limit' must be \(limits.lowerBound) to \(limits.upperBound)")
        }
        let language = try search.language.map { code throws(HubError) in
            guard let language = Language(code: code) else {
                throw HubError(.invalidField, "field 'language' must be de or en")
            }
            return language
        }
        do {
            return try await store.searchArticles(query, limit: limit, language: language)
        } catch {
            throw HubError(.internal, "the knowledge base cannot be searched: \(error)")
        }
    }
}
