import CStemmer
import Synchronization

/// Snowball's stemmers (libstemmer), one per language for the whole process.
enum Snowball {
    private static let german = LockedStemmer(.german)
    private static let english = LockedStemmer(.english)

    /// The stem of one lowercase word, by Snowball's algorithm for `language`.
    static func stem(_ word: String, in language: Language) -> String {
        switch language {
        case .german: german.stem(word)
        case .english: english.stem(word)
        }
    }
}

/// One libstemmer stemmer and the lock it needs: a stemmer keeps its last result in its own buffer,
/// so two threads must not use it at once. Stemming a word takes well under a microsecond, so the
/// lock is never held for long (the ledger stems a ticket once, when it opens). Never freed: there
/// are two, for the life of the process.
private final class LockedStemmer: @unchecked Sendable {
    // Only touched while `lock` is held: that is what makes the class Sendable.
    private let stemmer: OpaquePointer
    private let lock = Mutex(())

    init(_ language: Language) {
        guard let stemmer = sb_stemmer_new(language.snowballName, "UTF_8") else {
            fatalError("libstemmer has no '\(language.snowballName)' stemmer (or is out of memory)")
        }
        self.stemmer = stemmer
    }

    func stem(_ word: String) -> String {
        var word = word
        return word.withUTF8 { bytes in
            guard let start = bytes.baseAddress, !bytes.isEmpty else { return "" }
            return lock.withLock { _ in
                guard let result = sb_stemmer_stem(stemmer, start, Int32(bytes.count)) else {
                    // Only when libstemmer runs out of memory: the word as it is is the safe answer.
                    return String(decoding: bytes, as: UTF8.self)
                }
                let length = Int(sb_stemmer_length(stemmer))
                return String(decoding: UnsafeBufferPointer(start: result, count: length), as: UTF8.self)
            }
        }
    }
}
