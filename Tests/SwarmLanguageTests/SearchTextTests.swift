import SwarmLanguage
import Testing

@Suite("Search text: words, stop words, Snowball stems, languages")
struct SearchTextTests {
    @Test("Snowball stems inflected German and English words to one term; accents are folded")
    func stems() {
        #expect(SearchText.stem("drucker", in: .german) == "druck")
        #expect(SearchText.stem("druckern", in: .german) == "druck")
        #expect(SearchText.stem("drucken", in: .german) == "druck")
        #expect(SearchText.stem("passwörter", in: .german) == "passwort")
        #expect(SearchText.stem("anmeldungen", in: .german) == SearchText.stem("anmeldung", in: .german))
        #expect(SearchText.stem("bildschirme", in: .german) == "bildschirm")
        #expect(SearchText.stem("printers", in: .english) == "printer")
        #expect(SearchText.stem("printing", in: .english) == "print")
        // ß and umlauts come out the same in either language, so either store indexes the same term.
        #expect(SearchText.stem("straße", in: .german) == "strass")
        #expect(SearchText.stem("ständig", in: .english) == "standig")
        #expect(SearchText.stem("ständig", in: .german) == "standig")
        #expect(SearchText.stem("café", in: .english) == "cafe")
    }

    @Test("words are lowercase runs of letters and digits")
    func words() {
        #expect(SearchText.words("WLAN-Drucker (2. OG) hängt!") == ["wlan", "drucker", "2", "og", "hängt"])
        #expect(SearchText.words(#"vpn" OR title:* NEAR("x"#) == ["vpn", "or", "title", "near", "x"])
        #expect(SearchText.words("***").isEmpty)
    }

    @Test("a document's terms leave out its language's stop words and stem in its language")
    func terms() {
        #expect(
            SearchText.terms(of: "Der Drucker druckt nicht mehr", language: .german) == ["druck", "druckt", "mehr"])
        #expect(SearchText.terms(of: "The printers are not printing", language: .english) == ["printer", "print"])
        // Detected: German by its stop words.
        #expect(
            SearchText.terms(of: "VPN bricht ständig ab, ich kann nicht arbeiten")
                == SearchText.terms(
                    of: "VPN bricht ständig ab, ich kann nicht arbeiten", language: .german))
        // Undecided: both stems of each word, once when they agree.
        #expect(SearchText.terms(of: "Drucker Papierstau") == ["druck", "drucker", "papierstau"])
    }

    @Test("a query's terms are its words stemmed in both languages, without its language's stop words")
    func queryTerms() {
        #expect(SearchText.queryTerms(of: "Der Server ist kaputt") == ["serv", "server", "kaputt"])
        let english = SearchText.queryTerms(of: "the printers are jammed", language: .english)
        #expect(english.contains("printer") && english.contains("jam") && !english.contains("the"))
        #expect(SearchText.queryTerms(of: "und oder nicht").isEmpty)
    }

    @Test("the detector goes by stop words and umlauts, and says nil when they do not decide")
    func detection() {
        #expect(LanguageDetector.detect("Der Drucker im 2. OG druckt nicht") == .german)
        #expect(LanguageDetector.detect("The printer on the second floor does not print") == .english)
        #expect(LanguageDetector.detect("Bildschirm flackert ständig") == .german)
        #expect(LanguageDetector.detect("VPN Absturz") == nil)
        #expect(LanguageDetector.detect("") == nil)
        // Words both lists have (in, was, so) decide nothing.
        #expect(LanguageDetector.detect("was in so") == nil)
        // Mixed: the language of the sentence, not of the product names.
        #expect(LanguageDetector.detect("Outlook Update: die Teams App startet nicht mehr") == .german)
    }

    @Test("stop word lists are Snowball's, with the new spelling of daß")
    func stopWords() {
        #expect(StopWords.contains("nicht", in: .german))
        #expect(StopWords.contains("dass", in: .german))
        #expect(StopWords.contains("daß", in: .german))
        #expect(!StopWords.contains("drucker", in: .german))
        #expect(StopWords.contains("the", in: .english))
        #expect(!StopWords.contains("printer", in: .english))
        #expect(Language(code: "de") == .german)
        #expect(Language(code: "fr") == nil)
    }
}

@Suite("Search queries: any word for the knowledge base, every word for a filter")
struct SearchQueryTests {
    @Test("each word is the set of its forms; a filter wants every word, in any form and either language")
    func everyWord() {
        let query = SearchQuery("Drucker im Lager")
        #expect(query.words.count == 2)
        let ticket = Set(SearchText.terms(of: "Die Druckern im Lager sind offline", language: .german))
        #expect(query.isMatched(byAll: ticket))
        #expect(!query.isMatched(byAll: Set(SearchText.terms(of: "Der Drucker im Büro", language: .german))))
        #expect(query.isMatched(byAny: Set(SearchText.terms(of: "Der Drucker im Büro", language: .german))))
        // An English query finds the German ticket by the word they share.
        let english = SearchQuery("server down", language: .english)
        #expect(english.words.count == 1)  // "down" is an English stop word
        #expect(english.isMatched(byAll: Set(SearchText.terms(of: "Der Server antwortet nicht"))))
    }

    @Test("stop words, punctuation and repeated words leave nothing or one word")
    func empty() {
        #expect(SearchQuery("und oder nicht").isEmpty)
        #expect(SearchQuery("*** ---").isEmpty)
        #expect(SearchQuery("Drucker drucker DRUCKER").words.count == 1)
        #expect(SearchQuery("Drucker Drucker").terms == SearchText.queryTerms(of: "Drucker"))
    }
}
