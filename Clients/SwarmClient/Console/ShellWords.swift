/// Splits a console line into words the way a shell would for simple cases: spaces separate words,
/// single and double quotes group, a backslash escapes the next character.
public enum ShellWords {
    /// The words of `line`; throws a usage error for an unterminated quote.
    public static func split(_ line: String) throws(ClientError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case (_, "\\") where quote != "'":
                escaped = true
                inWord = true
            case (nil, "\""), (nil, "'"):
                quote = character
                inWord = true
            case (let open?, let close) where open == close:
                quote = nil
            case (nil, let space) where space.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw .usage("unterminated quote") }
        if inWord { words.append(current) }
        return words
    }
}
