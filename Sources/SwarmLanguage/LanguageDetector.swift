/// Tells German from English text by its stop words.
///
/// Each word that is a stop word of one language and not of the other is a vote for that language,
/// and so is each word with `ä`, `ö`, `ü` or `ß`; the language with more votes wins. Words in both
/// lists (`in`, `was`, `will`, `so`) vote for neither.
///
/// What it cannot do, by design: a text with no stop words and no umlauts (`VPN down`, `Outlook
/// Absturz`) or with as many of each is undecided (`nil`), and callers then use both languages. A text
/// mixing the two is given the language of most of its little words, which is the language its
/// sentences are in. It knows only German and English: French text is undecided or, for a few shared
/// words, taken for one of them.
public enum LanguageDetector {
    /// The language of `text`, or `nil` when its words do not decide.
    public static func detect(_ text: String) -> Language? {
        detect(words: SearchText.words(text))
    }

    /// The language of lowercase `words`, or `nil` when they do not decide.
    public static func detect(words: some Sequence<some StringProtocol>) -> Language? {
        var german = 0
        var english = 0
        for word in words {
            let word = String(word)
            let inGerman = StopWords.german.contains(word)
            let inEnglish = StopWords.english.contains(word)
            if inGerman && !inEnglish { german += 1 }
            if inEnglish && !inGerman { english += 1 }
            if !inGerman && word.contains(where: { "äöüß".contains($0) }) { german += 1 }
        }
        if german > english { return .german }
        if english > german { return .english }
        return nil
    }
}
