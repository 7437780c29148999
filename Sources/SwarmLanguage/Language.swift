/// A language the hub stems and knows stop words of: German, the desk's own, and English.
public enum Language: String, Sendable, Hashable, CaseIterable, Codable {
    /// German (`de`): Snowball's `german` stemmer and stop words.
    case german = "de"
    /// English (`en`): Snowball's `english` (Porter 2) stemmer and stop words.
    case english = "en"

    /// The language of an ISO 639-1 code (`de`, `en`), `nil` for any other.
    public init?(code: String) { self.init(rawValue: code) }

    /// The ISO 639-1 code.
    public var code: String { rawValue }

    /// The name libstemmer knows the algorithm by.
    var snowballName: String {
        switch self {
        case .german: "german"
        case .english: "english"
        }
    }
}
