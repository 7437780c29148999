import SwarmProtocol

/// Field limits enforced by `decide` and the hub. Documented in Protocol/README.md, "Field rules".
public enum Limits {
    public static let titleLength = 1...200
    public static let descriptionLength = 0...10_000
    public static let commentLength = 1...10_000
    public static let resolutionLength = 0...2_000
    public static let maxSkills = 20
    /// An escalation's reason.
    public static let reasonLength = 1...2_000
    /// An article's body.
    public static let articleBodyLength = 1...20_000
    /// A knowledge-base search.
    public static let searchLength = 1...200
    /// A vendor's name or reference.
    public static let vendorLength = 1...200
    /// One `work.log` entry: a minute to a day.
    public static let workMinutes = 1...1440
    /// A `work.log` note.
    public static let workNoteLength = 0...2_000
    /// The most skills one agent may hold.
    public static let maxAgentSkills = 50
    /// Skill levels: 1 (basic) to 5 (expert).
    public static let skillLevel = 1...5
    public static let skillLength = 1...64
    public static let queueLength = 1...64
    public static let agentLength = 1...64
    /// The queue of a ticket opened without one.
    public static let defaultQueue = "general"

    /// Checks what a length in characters cannot: the UTF-8 size (at most 4 bytes per allowed
    /// character, so `a` with 20,000 combining marks, one character, is refused) and control
    /// characters. C0 controls other than tab and newline (no newline in a single line, like a
    /// title), DEL and C1 controls are refused: NUL truncates text in C
    /// clients, and ESC or CSI would send escape sequences into the agents' terminals.
    public static func checkText(_ text: String, field: String, length: ClosedRange<Int>, multiline: Bool = true)
        throws(DomainError)
    {
        let maxBytes = length.upperBound * 4
        guard text.utf8.count <= maxBytes else {
            throw .invalid("field '\(field)' must have at most \(maxBytes) bytes of UTF-8")
        }
        for scalar in text.unicodeScalars {
            if isControl(scalar, multiline: multiline) {
                throw .invalid("field '\(field)' must not contain control characters (\(codePoint(scalar)))")
            }
            if isBidiOverride(scalar) {
                throw .invalid(
                    "field '\(field)' must not contain bidirectional embedding, override or isolate characters "
                        + "(\(codePoint(scalar))): in a terminal they make text read in another order than it is written"
                )
            }
        }
    }

    /// `text` cut to fit a text field of `length` (at most its upper bound in characters and four
    /// times that in UTF-8 bytes, as ``checkText(_:field:length:multiline:)`` counts), on a character
    /// boundary, ending in `…` when cut. For text the hub writes from others' input (alerts, mail).
    public static func cut(_ text: String, toFit length: ClosedRange<Int>) -> String {
        let characters = length.upperBound
        let bytes = characters * 4
        if text.count <= characters && text.utf8.count <= bytes { return text }
        let ellipsis = "…"
        var kept = ""
        var used = 0
        var count = 0
        for character in text {
            let size = character.utf8.count
            guard count + 1 < characters, used + size + ellipsis.utf8.count <= bytes else { break }
            kept.append(character)
            used += size
            count += 1
        }
        return kept + ellipsis
    }

    /// `text` with what ``checkText(_:field:length:multiline:)`` refuses — control characters (newlines
    /// too unless `multiline`) and bidirectional overrides — replaced by U+FFFD: for text the hub writes
    /// from others' input (an alert's labels and annotations, mail), which it takes rather than refuses.
    public static func clean(_ text: String, multiline: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0, multiline: multiline) || isBidiOverride($0) }) else {
            return text
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isControl(scalar, multiline: multiline) || isBidiOverride(scalar) ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }

    /// U+202A–U+202E and U+2066–U+2069: they reorder what a terminal shows (`Trojan Source`, CVE-2021-42574).
    static func isBidiOverride(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `U+202E`.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let code = String(scalar.value, radix: 16, uppercase: true)
        return "U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code)"
    }

    static func isControl(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x0A: !multiline
        case 0x00..<0x20, 0x7F..<0xA0: true
        default: false
        }
    }

    private static func isLowerAlnum(_ c: Character) -> Bool {
        c.isASCII && (c.isLowercase || c.isNumber)
    }

    /// Skill tags are lowercase, dotted and hierarchical: `network.dns`, `terminal-server`.
    /// Each dot-separated part starts with a letter or digit and holds letters, digits and `-`.
    public static func isValidSkill(_ tag: String) -> Bool {
        guard skillLength.contains(tag.count) else { return false }
        return tag.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, isLowerAlnum(first) else { return false }
            return part.allSatisfy { isLowerAlnum($0) || $0 == "-" }
        }
    }

    /// Queue names: lowercase letters, digits, `-` and `_`, starting with a letter or digit.
    public static func isValidQueue(_ name: String) -> Bool {
        guard queueLength.contains(name.count), let first = name.first, isLowerAlnum(first) else { return false }
        return name.allSatisfy { isLowerAlnum($0) || $0 == "-" || $0 == "_" }
    }

    /// Agent ids (token names): ASCII letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    public static func isValidAgent(_ name: String) -> Bool { RequesterName.isAgentID(name) }
}
