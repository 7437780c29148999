internal import Foundation

/// Words of a text as search and inference compare them: lowercase, stop words left out, each
/// reduced to its Snowball stem in the text's language, accents folded (`Drucker`, `Druckern` →
/// `druck`; `Passwörter` → `passwort`; `printers` → `printer`).
///
/// One rule for every place the hub matches text: the knowledge base's index and its queries in both
/// stores, and the work list's free-text filter. A document is turned into ``terms(of:language:)``
/// once, in its own language; a query into ``queryTerms(of:language:)`` (or a ``SearchQuery``), its
/// words stemmed in both languages, because a query does not know which language the texts it
/// searches are in. A document matches a query when they share a term (``SearchQuery`` also tells
/// whether a document has every word of a query).
public enum SearchText {
    /// Lowercase runs of letters and digits: `WLAN-Drucker (2. OG)` → `wlan`, `drucker`, `2`, `og`.
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// The terms of a document: its words without stop words, stemmed in `language`; with no
    /// language given, in the one ``LanguageDetector`` finds, and in both when it cannot tell.
    public static func terms(of text: String, language: Language? = nil) -> [String] {
        let words = words(text)
        let languages = (language ?? LanguageDetector.detect(words: words)).map { [$0] } ?? Language.allCases
        return terms(of: words, languages: languages)
    }

    /// The terms of a document in one or both `languages`: its words without the stop words of any
    /// of them, each giving its stem in each language, once if they are the same.
    public static func terms(of text: String, languages: [Language]) -> [String] {
        terms(of: words(text), languages: languages)
    }

    /// The terms to look a query up with: its words without the stop words of its language (of
    /// either, when it is undecided), each stemmed in German and in English. A query stemmed as
    /// German only would miss the English article that has its word (`server` is `serv` in German
    /// and `server` in English); the other language's stem rarely matches anything it should not.
    public static func queryTerms(of text: String, language: Language? = nil) -> [String] {
        SearchQuery(text, language: language).terms
    }

    /// One lowercase word's Snowball stem in `language`, accents folded, stop words included: what
    /// keyword phrases are compared by (SwarmCore's `Taxonomy`), where a stop word may be part of a phrase.
    public static func stem(_ word: String, in language: Language) -> String {
        // Snowball's German stemmer turns ß into ss itself; the English one would keep it.
        let stem = Snowball.stem(
            word.contains("ß") ? word.replacingOccurrences(of: "ß", with: "ss") : word, in: language)
        guard stem.unicodeScalars.contains(where: { !$0.isASCII }) else { return stem }
        // The English stem of a German word keeps its umlauts (`ständig`), the German one folds them
        // (`standig`): folded, both stores' indexes see the same term, whatever the language.
        return stem.folding(options: [.diacriticInsensitive], locale: nil)
    }

    private static func terms(of words: [String], languages: [Language]) -> [String] {
        var terms: [String] = []
        for word in words where !languages.contains(where: { StopWords.contains(word, in: $0) }) {
            var stems: [String] = []
            for language in languages {
                let stem = stem(word, in: language)
                if !stems.contains(stem) { stems.append(stem) }
            }
            terms += stems
        }
        return terms
    }
}
