/// What someone typed to find texts: each of its words as the set of terms it may appear as (its
/// German and its English stem), its stop words left out.
///
/// The knowledge base looks any word up (``terms``, joined with `OR`); a filter of a list, such as
/// the work list's free text, wants every word (``isMatched(byAll:)``). Either way a document is
/// turned into terms once, with ``SearchText/terms(of:language:)``, and kept or computed beside it.
public struct SearchQuery: Sendable, Hashable {
    /// The query's words, each as the terms that count as it (its German stem, then its English
    /// one when that differs), in the order typed; a word typed twice counts once.
    public let words: [[String]]

    /// Reads `text` as a query. Its stop words are those of `language`, or of the language it is
    /// detected to be in, or of either when that is undecided.
    public init(_ text: String, language: Language? = nil) {
        let typed = SearchText.words(text)
        let stopLanguages = (language ?? LanguageDetector.detect(words: typed)).map { [$0] } ?? Language.allCases
        var words: [[String]] = []
        for word in typed where !stopLanguages.contains(where: { StopWords.contains(word, in: $0) }) {
            var forms: [String] = []
            for language in Language.allCases {
                let stem = SearchText.stem(word, in: language)
                if !forms.contains(stem) { forms.append(stem) }
            }
            if !words.contains(forms) { words.append(forms) }
        }
        self.words = words
    }

    /// Whether nothing is left to look for (the text was stop words or punctuation).
    public var isEmpty: Bool { words.isEmpty }

    /// Every term of every word, each once, in the order typed.
    public var terms: [String] {
        var seen: Set<String> = []
        return words.joined().filter { seen.insert($0).inserted }
    }

    /// Whether a document with these terms has every word of the query, in any of its forms.
    public func isMatched(byAll documentTerms: Set<String>) -> Bool {
        words.allSatisfy { $0.contains(where: documentTerms.contains) }
    }

    /// Whether a document with these terms has any word of the query.
    public func isMatched(byAny documentTerms: Set<String>) -> Bool {
        words.contains { $0.contains(where: documentTerms.contains) }
    }
}
