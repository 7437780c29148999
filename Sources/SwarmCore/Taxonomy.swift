public import Foundation
public import SwarmLanguage
public import SwarmProtocol

/// The skill tags the hub knows, their synonyms, and the rules that infer a ticket's skills from
/// its category and text. Loaded from a JSON file (see docs/skills.md and taxonomy.json).
public struct Taxonomy: Sendable, Hashable {
    /// One tag's entry.
    public struct Tag: Sendable, Hashable, Codable {
        public var description: String
        /// Other spellings accepted in commands and read as this tag (`dns` → `network.dns`).
        public var synonyms: [String]
        /// Words or phrases whose presence in a ticket's title or description infers this tag.
        public var keywords: [String]

        public init(description: String = "", synonyms: [String] = [], keywords: [String] = []) {
            self.description = description
            self.synonyms = synonyms
            self.keywords = keywords
        }

        private enum CodingKeys: String, CodingKey { case description, synonyms, keywords }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            synonyms = try c.decodeIfPresent([String].self, forKey: .synonyms) ?? []
            keywords = try c.decodeIfPresent([String].self, forKey: .keywords) ?? []
        }
    }

    /// Tag name → entry.
    public private(set) var tags: [String: Tag]
    /// Category → tags every ticket of that category needs.
    public private(set) var categories: [Category: [String]]
    /// Synonym → tag.
    private var aliases: [String: String]
    /// Keyword phrases as lowercase words, each with its tag, longest phrases first.
    private var rules: [Rule]

    private struct Rule: Sendable, Hashable {
        var words: [String]
        var tag: String
        /// The phrase's words stemmed in each language, as a text in that language is; and its words
        /// split at hyphens and stemmed, compared with the text's words split the same way.
        var stems: [Language: (whole: Stemmed, parts: Stemmed)]
        /// The languages in which every word of the phrase is a stop word: there it never matches.
        var onlyStopWords: Set<Language>

        init(words: [String], tag: String) {
            self.words = words
            self.tag = tag
            var stems: [Language: (whole: Stemmed, parts: Stemmed)] = [:]
            var onlyStopWords: Set<Language> = []
            for language in Language.allCases {
                stems[language] = (
                    Stemmed(words) { SearchText.stem($0, in: language) },
                    Stemmed(Taxonomy.parts(words)) { SearchText.stem($0, in: language) }
                )
                if words.allSatisfy({ StopWords.contains($0, in: language) }) { onlyStopWords.insert(language) }
            }
            self.stems = stems
            self.onlyStopWords = onlyStopWords
        }

        static func == (a: Rule, b: Rule) -> Bool { a.words == b.words && a.tag == b.tag }
        func hash(into hasher: inout Hasher) {
            hasher.combine(words)
            hasher.combine(tag)
        }
    }

    /// A taxonomy with no tags: every tag is unknown.
    public static let empty = Taxonomy(validated: [:], categories: [:])

    /// Builds and checks a taxonomy; throws naming the first bad tag, synonym or keyword.
    public init(tags: [String: Tag], categories: [Category: [String]]) throws(TaxonomyError) {
        for name in tags.keys.sorted() {
            guard Limits.isValidSkill(name) else {
                throw TaxonomyError("tag '\(name)' is not a skill tag (lowercase, dotted, like network.dns)")
            }
            if let dot = name.lastIndex(of: "."), tags[String(name[..<dot])] == nil {
                throw TaxonomyError("tag '\(name)' needs its parent '\(name[..<dot])' in the taxonomy")
            }
        }
        var seen: [String: String] = [:]
        for (name, tag) in tags.sorted(by: { $0.key < $1.key }) {
            for synonym in tag.synonyms {
                guard Limits.isValidSkill(synonym) else {
                    throw TaxonomyError("tag '\(name)': synonym '\(synonym)' is not a skill tag")
                }
                if tags[synonym] != nil {
                    throw TaxonomyError("tag '\(name)': synonym '\(synonym)' is itself a tag")
                }
                if let other = seen[synonym] {
                    throw TaxonomyError("synonym '\(synonym)' belongs to both '\(other)' and '\(name)'")
                }
                seen[synonym] = name
            }
            for keyword in tag.keywords where Self.words(keyword).isEmpty {
                throw TaxonomyError("tag '\(name)': keyword '\(keyword)' has no letters or digits")
            }
        }
        for (category, names) in categories {
            for name in names where tags[name] == nil {
                throw TaxonomyError("category '\(category.rawValue)': unknown tag '\(name)'")
            }
        }
        self.init(validated: tags, categories: categories)
    }

    private init(validated tags: [String: Tag], categories: [Category: [String]]) {
        self.tags = tags
        self.categories = categories
        var aliases: [String: String] = [:]
        var rules: [Rule] = []
        for (name, tag) in tags {
            for synonym in tag.synonyms { aliases[synonym] = name }
            for keyword in tag.keywords { rules.append(Rule(words: Self.words(keyword), tag: name)) }
        }
        self.aliases = aliases
        // Longest phrases first, then by tag and phrase, so inference is the same in every process.
        self.rules = rules.sorted {
            ($0.words.count, $1.tag, $1.words.joined(separator: " "))
                > ($1.words.count, $0.tag, $0.words.joined(separator: " "))
        }
    }

    /// Reads a taxonomy file: `{"tags": {name: {description, synonyms, keywords}}, "categories": {…}}`.
    public init(json data: Data) throws(TaxonomyError) {
        struct File: Decodable {
            var tags: [String: Tag]
            var categories: [String: [String]]?
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            throw TaxonomyError("the taxonomy file is not valid: \(error.fieldMessage)")
        } catch {
            throw TaxonomyError("the taxonomy file is not valid JSON")
        }
        var categories: [Category: [String]] = [:]
        for (name, tags) in file.categories ?? [:] {
            guard let category = Category(rawValue: name) else {
                let known = Category.allCases.map(\.rawValue).joined(separator: ", ")
                throw TaxonomyError("unknown category '\(name)' (known: \(known))")
            }
            categories[category] = tags
        }
        try self.init(tags: file.tags, categories: categories)
    }

    /// The tag a name stands for: the tag itself, or the tag it is a synonym of; `nil` if unknown.
    public func resolve(_ name: String) -> String? {
        if tags[name] != nil { return name }
        return aliases[name]
    }

    /// The skills to infer for a ticket: its category's tags and the tags of keywords in its text,
    /// without those `given`, and without a tag when a more specific one under it is needed anyway.
    ///
    /// Keywords match by their Snowball stems in the text's `language` (``SearchText/stem(_:in:)``):
    /// `drucker` matches "Druckern", `printer` matches "printers", and a shorter word with the same stem
    /// does not (`teams` does not match "team", nor `toner` "Ton"). With no language given it is the one
    /// ``LanguageDetector`` finds in the text, and both when it cannot tell. A hyphenated word matches
    /// as a whole and by its parts: `wlan` matches "WLAN-Verbindung".
    public func infer(category: Category, text: String, given: [String], language: Language? = nil) -> [String] {
        var found = Set(categories[category] ?? [])
        let words = Self.words(text)
        if !words.isEmpty {
            let languages = (language ?? LanguageDetector.detect(words: words)).map { [$0] } ?? Language.allCases
            let parts = Self.parts(words)
            for language in languages {
                // Each distinct word stemmed once, and where each stem stands: a long description
                // repeats its words, and the ledger, the one writer, infers while others wait.
                var stems: [String: String] = [:]
                func stem(_ word: String) -> String {
                    if let known = stems[word] { return known }
                    let stem = SearchText.stem(word, in: language)
                    stems[word] = stem
                    return stem
                }
                let whole = Positions(Stemmed(words, stem))
                let split = Positions(Stemmed(parts, stem))
                for rule in rules where !found.contains(rule.tag) && !rule.onlyStopWords.contains(language) {
                    guard let phrase = rule.stems[language] else { continue }
                    if whole.contains(phrase.whole) || split.contains(phrase.parts) { found.insert(rule.tag) }
                }
            }
        }
        let all = found.union(given)
        return found.subtracting(given).filter { tag in
            !all.contains { $0.hasPrefix(tag + ".") }
        }.sorted()
    }

    /// Lowercase runs of letters and digits (`-` kept inside words, so `terminal-server` is one).
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "-") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "-")) }
            .filter { !$0.isEmpty }
    }

    /// Words split at their hyphens: `wlan-verbindung` → `wlan`, `verbindung`.
    static func parts(_ words: [String]) -> [String] {
        words.flatMap { $0.split(separator: "-").map(String.init) }
    }

    /// Words as keywords are compared with them: each one's stem, and its length as written.
    ///
    /// A word matches a keyword's word when their stems are the same and the word is at least as
    /// long: an inflected form (`Druckern`, `printers`), not a shorter word that happens to share the
    /// stem — `team` is not `teams`, `window` not `windows`, `Ton` (sound) not `Toner`.
    private struct Stemmed: Sendable, Hashable {
        var stems: [String]
        var lengths: [Int]

        init(_ words: [String], _ stem: (String) -> String) {
            stems = words.map(stem)
            lengths = words.map(\.count)
        }
    }

    /// A text's words and where each stem stands, to find phrases without scanning the text per keyword.
    private struct Positions {
        var words: Stemmed
        var starts: [String: [Int]] = [:]

        init(_ words: Stemmed) {
            self.words = words
            for (index, stem) in words.stems.enumerated() { starts[stem, default: []].append(index) }
        }

        /// Whether `phrase` stands in the words, whole and in order.
        func contains(_ phrase: Stemmed) -> Bool {
            guard let first = phrase.stems.first, let candidates = starts[first] else { return false }
            return candidates.contains { start in
                start + phrase.stems.count <= words.stems.count
                    && phrase.stems.indices.allSatisfy { k in
                        words.stems[start + k] == phrase.stems[k] && words.lengths[start + k] >= phrase.lengths[k]
                    }
            }
        }
    }
}

/// Why a taxonomy could not be loaded.
public struct TaxonomyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
