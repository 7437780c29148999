/// The light HTML alternative of a plain-text message: the same words, escaped, in paragraphs, with
/// links that can be clicked. No styles, no images, nothing a mail client could block or a reader miss.
enum TextHTML {
    /// The HTML document for a text: blank lines separate paragraphs, line breaks stay `<br>`,
    /// `http://` and `https://` URLs become links.
    static func html(fromText text: String, language: String?) -> String {
        let paragraphs = text.paragraphs()
        let body = paragraphs.map { paragraph in
            "<p>" + paragraph.split(separator: "\n").map { linked(escape(String($0))) }.joined(separator: "<br>\n")
                + "</p>"
        }.joined(separator: "\n")
        let lang = language.map { " lang=\"\(escape($0))\"" } ?? ""
        return "<!DOCTYPE html>\n<html\(lang)><body>\n\(body)\n</body></html>\n"
    }

    /// `&`, `<`, `>`, `"` and `'` as references.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Escaped text with its URLs made links. A URL ends at whitespace; a final `.`, `,`, `)` or the like
    /// is punctuation of the sentence, not of the URL.
    private static func linked(_ escaped: String) -> String {
        var result = ""
        var rest = Substring(escaped)
        while let begin = [rest.firstRange(of: "http://"), rest.firstRange(of: "https://")].compactMap({
            $0?.lowerBound
        })
        .min() {
            result += rest[..<begin]
            var url = rest[begin...].prefix(while: { !$0.isWhitespace && $0 != "<" })
            if let entity = url.firstRange(of: "&gt;") ?? url.firstRange(of: "&quot;") ?? url.firstRange(of: "&#39;") {
                url = url[..<entity.lowerBound]
            }
            while let last = url.last, ".,;:!?)".contains(last) { url = url.dropLast() }
            result += "<a href=\"\(url)\">\(url)</a>"
            rest = rest[url.endIndex...]
            if url.isEmpty {
                result += rest.prefix(1)
                rest = rest.dropFirst()
            }
        }
        return result + rest
    }
}

extension String {
    /// The text split at blank lines, each paragraph trimmed, empty ones left out.
    func paragraphs() -> [String] {
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
        return paragraphs
    }
}
