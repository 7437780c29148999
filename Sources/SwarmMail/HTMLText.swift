/// HTML turned into readable text, for mail that has no plain-text alternative.
///
/// Deliberately small: mail HTML is a page of paragraphs, line breaks, lists, links, tables used for
/// layout and quoted replies, not an application. Block elements end lines, `<br>` breaks one, list items
/// get `- ` (or `1. `), links become `text (url)`, `<blockquote>` lines get `> ` so that the reply's new
/// part is found as in plain text, entities are decoded, and script, style, head and comments are
/// dropped. Malformed HTML (an unclosed tag, a stray `<`) gives text, never an error.
enum HTMLText {
    /// The text of an HTML document or fragment.
    static func text(fromHTML html: String) -> String {
        var converter = Converter(Array(html.unicodeScalars))
        converter.run()
        return converter.output.finished()
    }

    /// Elements whose content is never text.
    private static let hidden: Set<String> = ["script", "style", "head", "title", "template", "noscript", "xml"]
    /// Elements that stand apart by a blank line.
    private static let paragraphs: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "dl", "hr",
    ]
    /// Elements that start and end on their own line.
    private static let lines: Set<String> = [
        "div", "tr", "li", "section", "article", "header", "footer", "address", "center", "dt", "dd", "form",
        "fieldset", "main", "nav", "aside", "figure", "figcaption", "caption", "tbody", "thead", "tfoot", "body",
    ]

    private struct Converter {
        let input: [Unicode.Scalar]
        var position = 0
        var output = TextBuilder()
        /// Open lists: nil for `<ul>`, the next number for `<ol>`.
        var lists: [Int?] = []
        /// Open links: the `href` and where in the output the link's text began.
        var links: [(href: String, start: Int)] = []

        init(_ input: [Unicode.Scalar]) { self.input = input }

        mutating func run() {
            var text = String.UnicodeScalarView()
            while position < input.count {
                let scalar = input[position]
                if scalar == "<", let tag = readTag() {
                    output.write(Entities.decode(String(text)))
                    text = String.UnicodeScalarView()
                    handle(tag)
                } else {
                    text.append(scalar)
                    position += 1
                }
            }
            output.write(Entities.decode(String(text)))
        }

        /// Reads a tag at `position` (which is `<`); nil, leaving `position`, if it is no tag (`a < b`).
        mutating func readTag() -> Tag? {
            let start = position
            guard start + 1 < input.count else { return nil }
            let next = input[start + 1]
            if next == "!" {
                // A comment (to `-->`), a conditional comment or a doctype (to `>`).
                let isComment = start + 3 < input.count && input[start + 2] == "-" && input[start + 3] == "-"
                position =
                    isComment
                    ? find("-->", from: start + 4).map { $0 + 3 } ?? input.count
                    : find(">", from: start + 2).map { $0 + 1 } ?? input.count
                return Tag(name: "!", closing: false, attributes: [:])
            }
            guard next == "/" || next.properties.isAlphabetic || next == "?" else { return nil }
            guard let end = tagEnd(from: start + 1) else { return nil }
            position = end + 1
            return Tag.parse(String(String.UnicodeScalarView(input[(start + 1)..<end])))
        }

        /// The `>` that ends a tag, skipping quoted attribute values.
        func tagEnd(from index: Int) -> Int? {
            var quote: Unicode.Scalar?
            var index = index
            while index < input.count {
                let scalar = input[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    quote = scalar
                } else if scalar == ">" {
                    return index
                }
                index += 1
            }
            return nil
        }

        func find(_ needle: String, from index: Int) -> Int? {
            let pattern = Array(needle.unicodeScalars)
            var index = index
            while index + pattern.count <= input.count {
                if input[index] == pattern[0], Array(input[index..<(index + pattern.count)]) == pattern { return index }
                index += 1
            }
            return nil
        }

        /// Skips a hidden element's content, to its closing tag (or the end).
        mutating func skipContent(of name: String) {
            let closing = Array("</\(name)".unicodeScalars)
            var index = position
            while index + closing.count <= input.count {
                if input[index] == "<",
                    zip(input[index..<(index + closing.count)], closing).allSatisfy({
                        $0.properties.lowercaseMapping == String($1)
                    })
                {
                    position = tagEnd(from: index).map { $0 + 1 } ?? input.count
                    return
                }
                index += 1
            }
            position = input.count
        }

        mutating func handle(_ tag: Tag) {
            let name = tag.name
            if !tag.closing, HTMLText.hidden.contains(name) {
                if !tag.selfClosing { skipContent(of: name) }
                return
            }
            switch name {
            case "br": output.lineBreak()
            case "li" where !tag.closing:
                output.breakLine(1)
                let depth = max(0, lists.count - 1)
                let indent = String(repeating: "  ", count: depth)
                if let last = lists.last, let number = last {
                    lists[lists.count - 1] = number + 1
                    output.write("\(indent)\(number). ", raw: true)
                } else {
                    output.write("\(indent)- ", raw: true)
                }
            case "ul", "ol":
                if tag.closing {
                    if !lists.isEmpty { lists.removeLast() }
                } else {
                    lists.append(name == "ol" ? Int(tag.attributes["start"] ?? "") ?? 1 : nil)
                }
                output.breakLine(lists.isEmpty ? 2 : 1)
            case "blockquote":
                output.breakLine(2)
                output.quoteDepth = max(0, output.quoteDepth + (tag.closing ? -1 : 1))
            case "pre":
                output.breakLine(2)
                output.preformatted = max(0, output.preformatted + (tag.closing ? -1 : 1))
            case "td", "th":
                if !tag.closing { output.cell() }
            case "a":
                if tag.closing {
                    closeLink()
                } else if let href = tag.attributes["href"] {
                    links.append((href, output.text.utf8.count))
                }
            case "img":
                // An image's alt text stands in for it only when it says something.
                if let alt = tag.attributes["alt"], !alt.trimmingWhitespace().isEmpty { output.write("[\(alt)]") }
            default:
                if HTMLText.paragraphs.contains(name) {
                    output.breakLine(2)
                } else if HTMLText.lines.contains(name) {
                    output.breakLine(1)
                }
            }
        }

        /// Ends a link: `text (url)`, unless the text already is the URL or the address, or the link goes
        /// nowhere a reader can follow (`#top`, `javascript:`).
        mutating func closeLink() {
            guard let link = links.popLast() else { return }
            let href = link.href.trimmingWhitespace()
            let lower = href.lowercased()
            guard !href.isEmpty, !lower.hasPrefix("#"), !lower.hasPrefix("javascript:"), !lower.hasPrefix("cid:")
            else { return }
            let label = String(decoding: output.text.utf8.dropFirst(link.start), as: UTF8.self).trimmingWhitespace()
            let target = lower.hasPrefix("mailto:") ? String(href.dropFirst(7)) : href
            if label.isEmpty {
                output.write(target)
            } else if label != target && label != href {
                output.write(" (\(target))", raw: true)
            }
        }
    }

    /// One tag: its lowercased name, whether it closes, its attributes (names lowercased, values
    /// entity-decoded).
    private struct Tag {
        var name: String
        var closing: Bool
        var attributes: [String: String]
        var selfClosing = false

        static func parse(_ body: String) -> Tag {
            var scalars = Substring(body)
            let closing = scalars.first == "/"
            if closing { scalars = scalars.dropFirst() }
            let selfClosing = scalars.last == "/"
            let name = scalars.prefix(while: { !$0.isWhitespace && $0 != "/" && $0 != ">" }).lowercased()
            var attributes: [String: String] = [:]
            var rest = scalars.dropFirst(name.count)
            while true {
                rest = rest.drop(while: { $0.isWhitespace || $0 == "/" })
                guard !rest.isEmpty else { break }
                let attributeName = rest.prefix(while: { !$0.isWhitespace && $0 != "=" && $0 != "/" }).lowercased()
                rest = rest.dropFirst(max(1, attributeName.count)).drop(while: \.isWhitespace)
                var value = ""
                if rest.first == "=" {
                    rest = rest.dropFirst().drop(while: \.isWhitespace)
                    if let quote = rest.first, quote == "\"" || quote == "'" {
                        let content = rest.dropFirst().prefix(while: { $0 != quote })
                        value = String(content)
                        rest = rest.dropFirst(content.count + 2)
                    } else {
                        let content = rest.prefix(while: { !$0.isWhitespace })
                        value = String(content)
                        rest = rest.dropFirst(content.count)
                    }
                }
                if !attributeName.isEmpty, attributes[attributeName] == nil {
                    attributes[attributeName] = Entities.decode(value)
                }
            }
            return Tag(name: name, closing: closing, attributes: attributes, selfClosing: selfClosing)
        }
    }

    /// The text being written: whitespace collapsed outside `<pre>`, line breaks asked for and written
    /// only when text follows, quote marks at the start of quoted lines.
    private struct TextBuilder {
        var text = ""
        var quoteDepth = 0
        var preformatted = 0
        private var pendingBreaks = 0
        private var pendingSpace = false
        private var atLineStart = true

        /// Asks for the current line to end, with `count - 1` blank lines after it (at most one).
        mutating func breakLine(_ count: Int) {
            if !text.isEmpty { pendingBreaks = max(pendingBreaks, count) }
            pendingSpace = false
        }

        /// `<br>`: always a new line, even an empty one.
        mutating func lineBreak() {
            flushBreaks()
            text.append("\n")
            atLineStart = true
            pendingSpace = false
        }

        /// A table cell: cells of a row stand apart by a space.
        mutating func cell() {
            if !atLineStart || pendingBreaks > 0 { pendingSpace = true }
        }

        /// Writes text; `raw` keeps its spaces (list marks, link targets).
        mutating func write(_ string: String, raw: Bool = false) {
            for character in string {
                if preformatted == 0 && !raw && character.isWhitespace {
                    if !atLineStart || pendingBreaks > 0 { pendingSpace = true }
                    continue
                }
                if character == "\n" {
                    flushBreaks()
                    text.append("\n")
                    atLineStart = true
                    continue
                }
                flushBreaks()
                if atLineStart {
                    if quoteDepth > 0 { text += String(repeating: ">", count: quoteDepth) + " " }
                    atLineStart = false
                } else if pendingSpace {
                    text.append(" ")
                }
                pendingSpace = false
                // Non-breaking spaces are spaces to a reader.
                text.append(character == "\u{A0}" ? " " : character)
            }
        }

        private mutating func flushBreaks() {
            guard pendingBreaks > 0 else { return }
            if !atLineStart { text.append("\n") }
            if pendingBreaks > 1 { text.append("\n") }
            pendingBreaks = 0
            pendingSpace = false
            atLineStart = true
        }

        /// The text: trailing spaces of lines gone, at most one blank line in a row, trimmed.
        func finished() -> String {
            var lines: [Substring] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let trimmed = line.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
                let cleaned = Substring(String(trimmed))
                if cleaned.isEmpty, lines.last?.isEmpty == true { continue }
                lines.append(cleaned)
            }
            return lines.joined(separator: "\n").trimmingWhitespace()
        }
    }
}

/// HTML character references.
enum Entities {
    /// The named references mail HTML uses; others are left as written.
    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "auml": "ä", "ouml": "ö",
        "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß", "euro": "€", "copy": "©", "reg": "®",
        "trade": "™", "hellip": "…", "ndash": "–", "mdash": "—", "laquo": "«", "raquo": "»", "bdquo": "„",
        "ldquo": "“", "rdquo": "”", "lsquo": "‘", "rsquo": "’", "sbquo": "‚", "bull": "•", "middot": "·",
        "deg": "°", "eacute": "é", "egrave": "è", "agrave": "à", "aacute": "á", "ccedil": "ç", "shy": "",
        "zwnj": "", "zwj": "", "para": "¶", "sect": "§", "times": "×", "iexcl": "¡", "iquest": "¿",
    ]

    /// The text with `&name;`, `&#NNN;` and `&#xHH;` replaced.
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            rest = rest[ampersand...]
            let body = rest.dropFirst().prefix(12).prefix(while: { $0 != ";" && $0 != "&" && !$0.isWhitespace })
            let end = rest.index(rest.startIndex, offsetBy: body.count + 1)
            guard end < rest.endIndex, rest[end] == ";", let value = value(of: body) else {
                result += "&"
                rest = rest.dropFirst()
                continue
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func value(of body: Substring) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let number =
                digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            // NUL and surrogates are no characters; a reader gets the replacement character.
            guard let number, number > 0 else { return nil }
            return String(Unicode.Scalar(number).map(Character.init) ?? "\u{FFFD}")
        }
        return named[String(body)]
    }
}
