import Foundation
import Logging
import SwarmCore
import SwarmHub
import SwarmLanguage
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

/// Tests/Language/german-test-set.json: 100 German ticket texts with the skills and articles the
/// desk expects, and the knowledge base they are searched in; english-test-set.json: English tickets
/// of the same desk, for skills. docs/skills.md, "German and English", has the figures before and
/// after stemming; these tests print them and hold them above a floor.
@Suite("The language test sets: skill inference and knowledge-base suggestions")
struct LanguageTestSetTests {
    struct TestSet: Decodable {
        struct Article: Decodable {
            var id: String
            var language: String
            var title: String
            var body: String
            var tags: [String]
        }
        struct Ticket: Decodable {
            var title: String
            var description: String
            var category: SwarmProtocol.Category
            var skills: [String]
            var articles: [String]
        }
        var articles: [Article]?
        var tickets: [Ticket]

        static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Language")

        /// `german` or `english`.
        static func load(_ name: String) throws -> TestSet {
            try JSONDecoder().decode(
                TestSet.self, from: Data(contentsOf: folder.appendingPathComponent("\(name)-test-set.json")))
        }
    }

    /// Micro-averaged precision and recall: every expected and every produced item counts once.
    struct Figures: CustomStringConvertible {
        var produced = 0
        var expected = 0
        var right = 0

        mutating func add(produced: some Collection<String>, expected: some Collection<String>) {
            self.produced += produced.count
            self.expected += expected.count
            right += Set(produced).intersection(expected).count
        }

        var precision: Double { produced == 0 ? 0 : Double(right) / Double(produced) }
        var recall: Double { expected == 0 ? 0 : Double(right) / Double(expected) }
        var description: String {
            "precision \(Self.format(precision)) (\(right)/\(produced)), recall \(Self.format(recall)) (\(right)/\(expected))"
        }

        static func format(_ value: Double) -> String { String(format: "%.2f", value) }
    }

    @Test("German skill inference with the shipped taxonomy: precision and recall above their floors")
    func germanSkills() throws {
        let set = try TestSet.load("german")
        #expect(set.tickets.count == 100)
        let (all, fromText) = skillFigures(set, name: "german")
        print("German test set, skills (all tags): \(all)")
        print("German test set, skills (from the text): \(fromText)")
        // Before stemming and the German keywords: precision 0.88, recall 0.49 (docs/skills.md).
        #expect(fromText.precision >= 0.72, "\(fromText)")
        #expect(fromText.recall >= 0.88, "\(fromText)")
    }

    @Test("English skill inference with the shipped taxonomy: stemming keeps it above its floors")
    func englishSkills() throws {
        let set = try TestSet.load("english")
        let (all, fromText) = skillFigures(set, name: "english")
        print("English test set, skills (all tags): \(all)")
        print("English test set, skills (from the text): \(fromText)")
        // Before stemming: precision 0.78, recall 0.92 (docs/skills.md).
        #expect(fromText.precision >= 0.70, "\(fromText)")
        #expect(fromText.recall >= 0.88, "\(fromText)")
    }

    /// Infers each ticket's skills as `ticket.open` does and compares them with the expected ones.
    func skillFigures(_ set: TestSet, name: String) -> (all: Figures, fromText: Figures) {
        var all = Figures()
        var fromText = Figures()
        var misses: [String] = []
        for ticket in set.tickets {
            let inferred = Taxonomy.standard.infer(
                category: ticket.category, text: ticket.title + "\n" + ticket.description, given: [])
            all.add(produced: inferred, expected: ticket.skills)
            // The category's own tags are right by definition; what the text adds is the measure of inference.
            let categoryTags = Set(Taxonomy.standard.categories[ticket.category] ?? [])
            fromText.add(
                produced: inferred.filter { !categoryTags.contains($0) },
                expected: ticket.skills.filter { !categoryTags.contains($0) })
            if Set(inferred) != Set(ticket.skills) {
                misses.append("\(ticket.title): inferred \(inferred), expected \(ticket.skills)")
            }
        }
        Self.report("\(name)-skills", misses)
        return (all, fromText)
    }

    /// How the test set's articles get their language: as `kb.create {language}` gives it (the set's
    /// own), as the hub detects it when `kb.create` has none, or none at all (an article written before
    /// articles had a language, indexed in the language detected from its words as it always was).
    enum ArticleLanguage: String, CaseIterable, Sendable {
        case given, detected, none
    }

    @Test(
        "knowledge-base suggestions (top 3): precision and recall above their floors, the same in every store",
        arguments: ArticleLanguage.allCases)
    func suggestions(languages: ArticleLanguage) async throws {
        let set = try TestSet.load("german")
        let sqlite = try await suggestionFigures(set, languages: languages, in: try SQLiteEventStore.inMemory())
        print("German test set, suggestions (top 3, SQLite, languages \(languages)): \(sqlite)")
        Self.report("german-suggestions-\(languages)", sqlite.misses)
        sqlite.expectFloors()
        if PostgresTestDatabase.isAvailable {
            let postgres = try await PostgresTestDatabase.with { location in
                try await PostgresEventStore.withStore(location, logger: Logger(label: "swarm.test.german")) { store in
                    try await suggestionFigures(set, languages: languages, in: store)
                }
            }
            print("German test set, suggestions (top 3, PostgreSQL, languages \(languages)): \(postgres)")
            // The stores rank differently (bm25, ts_rank), so their figures differ a little; the same floors hold.
            postgres.expectFloors()
        }
    }

    @Test("the detector gives each article of the test set the language it is written in")
    func articleLanguages() throws {
        let set = try TestSet.load("german")
        for article in set.articles ?? [] {
            #expect(
                LanguageDetector.detect(article.title + "\n" + article.body)?.code == article.language,
                "\(article.id) \(article.title)")
        }
    }

    struct SuggestionResult: Sendable, CustomStringConvertible {
        var figures = Figures()
        /// Tickets with an expected article, and those that had one of them among the three, and first.
        var withArticles = 0
        var hits = 0
        var first = 0
        /// Tickets with no expected article that were suggested one all the same.
        var suggestedWithout = 0
        var without = 0
        var misses: [String] = []

        var description: String {
            "\(figures); an expected article among the three for \(hits)/\(withArticles), first for "
                + "\(first)/\(withArticles); suggestions to \(suggestedWithout)/\(without) tickets with no article"
        }

        /// Before stemming and stop words: precision 0.17 and 0.15, recall 0.87 and 0.75, the right
        /// article first for 45 and 33 of 54 tickets, on SQLite and PostgreSQL (docs/skills.md).
        func expectFloors() {
            #expect(figures.precision >= 0.16, "\(self)")
            #expect(figures.recall >= 0.83, "\(self)")
            #expect(Double(first) / Double(withArticles) >= 0.78, "\(self)")
        }
    }

    /// Searches as the hub does for a new ticket (KnowledgeSuggestions): title and description, three articles.
    func suggestionFigures(_ set: TestSet, languages: ArticleLanguage, in store: any EventStore) async throws
        -> SuggestionResult
    {
        // Written as kb.create writes them: decided, so the language is the one the hub gives them.
        var state = SwarmState()
        let settings = SwarmSettings(taxonomy: .standard)
        for article in set.articles ?? [] {
            let create = KBCreate(
                title: article.title, body: article.body, tags: article.tags,
                language: languages == .given ? article.language : nil)
            for event in try state.decide(
                .client(.kbCreate(create)), by: Principal(id: "alice", role: .agent), at: Timestamp(milliseconds: 0),
                settings: settings)
            {
                state.apply(event)
            }
        }
        var batch = AppendBatch()
        batch.articles = (set.articles ?? []).compactMap { state.articles[$0.id] }.map { article in
            var article = article
            if languages == .none { article.language = nil }
            return article
        }
        #expect(batch.articles.count == set.articles?.count)
        try await store.append(batch)
        var result = SuggestionResult()
        for ticket in set.tickets {
            let found = try await store.searchArticles(ticket.title + " " + ticket.description, limit: 3).map(\.id)
            result.figures.add(produced: found, expected: ticket.articles)
            if !ticket.articles.isEmpty {
                result.withArticles += 1
                if !Set(found).isDisjoint(with: ticket.articles) { result.hits += 1 }
                if let best = found.first, ticket.articles.contains(best) { result.first += 1 }
            } else {
                result.without += 1
                if !found.isEmpty { result.suggestedWithout += 1 }
            }
            if Set(found) != Set(ticket.articles) {
                result.misses.append("\(ticket.title): found \(found), expected \(ticket.articles)")
            }
        }
        return result
    }

    /// With SWARM_TEST_SET_REPORT=FOLDER, each ticket whose answer differs from the expected one, for tuning.
    static func report(_ name: String, _ lines: [String]) {
        guard let folder = ProcessInfo.processInfo.environment["SWARM_TEST_SET_REPORT"] else { return }
        let text = lines.joined(separator: "\n") + "\n"
        try? text.write(toFile: folder + "/\(name).txt", atomically: true, encoding: .utf8)
    }
}
