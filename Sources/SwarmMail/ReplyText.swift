/// The new part of a reply: what the person wrote this time, without what they quoted or signed.
///
/// Mail clients quote in a few shapes, and each is recognised by its lines (docs/mail.md):
/// - lines starting with `>` (anywhere: inline answers between quoted lines keep the answers);
/// - an attribution line and everything after it: `On … wrote:` (Gmail, Thunderbird; the line may be
///   wrapped in two), `Am … schrieb …:` (Apple Mail, Gmail in German), `Le … a écrit :`;
/// - Outlook's separators and everything after them: `-----Original Message-----`,
///   `-----Ursprüngliche Nachricht-----`, and a header block `From:`/`Von:` followed within three lines
///   by `Sent:`/`Gesendet:` (Outlook's HTML reply, often under a line of underscores);
/// - a signature: from a line `-- ` (or `--`) to the end.
/// A forward (subject `Fwd:`, `Fw:`, `WG:`) keeps the forwarded message: there it is the point.
enum ReplyText {
    /// The new part of `text`; the whole text, trimmed, if nothing would be left.
    static func newPart(of text: String, forwarded: Bool) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var end = lines.count
        if !forwarded, let cut = firstQuoteHeader(lines) { end = cut }
        if let signature = lines[..<end].firstIndex(where: { $0 == "-- " || $0 == "--" }) { end = signature }
        var kept: [Substring] = []
        for line in lines[..<end] {
            if line.hasPrefix(">") && !forwarded { continue }
            let isBlank = line.allSatisfy(\.isWhitespace)
            if isBlank, kept.last.map({ $0.allSatisfy(\.isWhitespace) }) ?? true { continue }
            kept.append(line)
        }
        let result = kept.joined(separator: "\n").trimmingWhitespace()
        return result.isEmpty ? text.trimmingWhitespace() : result
    }

    /// Whether a subject says the message is a forward.
    static func isForward(subject: String) -> Bool {
        // Prefixes stack (`AW: WG: …`); any forward mark among the leading ones counts.
        var rest = Substring(subject)
        while let colon = rest.firstIndex(of: ":"), rest.distance(from: rest.startIndex, to: colon) <= 4 {
            let prefix = rest[..<colon].trimmingWhitespace().lowercased()
            if ["fwd", "fw", "wg", "wtr", "tr"].contains(prefix) { return true }
            guard ["re", "aw", "antw", "sv", "r"].contains(prefix) else { return false }
            rest = rest[rest.index(after: colon)...]
        }
        return false
    }

    /// The index of the first line that starts the quoted message.
    private static func firstQuoteHeader(_ lines: [Substring]) -> Int? {
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix(">") { continue }
            let lower = line.lowercased()
            if isSeparator(lower) { return underscoreAbove(index, lines) }
            if isAttribution(lower) { return index }
            // An attribution wrapped onto two lines: `On Mon, 3 Mar 2025 at 10:15, Max Mustermann`
            // then `<max@example.com> wrote:`.
            if index + 1 < lines.count, lower.hasPrefix("on ") || lower.hasPrefix("am "),
                isAttribution(lower + " " + lines[index + 1].trimmingWhitespace().lowercased())
            {
                return index
            }
            if isOutlookHeader(lower, index, lines) { return underscoreAbove(index, lines) }
        }
        return nil
    }

    private static func isSeparator(_ line: String) -> Bool {
        guard line.hasPrefix("-----") || line.hasPrefix("---- ") else { return false }
        let words = line.stripping("- ")
        return ["original message", "ursprüngliche nachricht", "message d'origine", "originalnachricht"].contains(
            words)
    }

    private static func isAttribution(_ line: String) -> Bool {
        guard line.count < 400 else { return false }
        if line.hasPrefix("on "), line.hasSuffix("wrote:") { return true }
        if line.hasPrefix("am "), line.contains("schrieb"), line.hasSuffix(":") { return true }
        if line.hasPrefix("le "), line.hasSuffix("a écrit :") || line.hasSuffix("a écrit:") { return true }
        return false
    }

    /// `From: …` / `Von: …` with `Sent: …` / `Gesendet: …` within the next three lines.
    private static func isOutlookHeader(_ line: String, _ index: Int, _ lines: [Substring]) -> Bool {
        guard line.hasPrefix("from:") || line.hasPrefix("von:") else { return false }
        return lines[(index + 1)..<min(lines.count, index + 4)].contains { next in
            let lower = next.trimmingWhitespace().lowercased()
            return lower.hasPrefix("sent:") || lower.hasPrefix("gesendet:") || lower.hasPrefix("date:")
                || lower.hasPrefix("datum:")
        }
    }

    /// The line of underscores Outlook puts above its header block, if there is one just above.
    private static func underscoreAbove(_ index: Int, _ lines: [Substring]) -> Int {
        var above = index - 1
        while above >= 0, lines[above].allSatisfy(\.isWhitespace) { above -= 1 }
        if above >= 0, lines[above].trimmingWhitespace().count >= 10,
            lines[above].trimmingWhitespace().allSatisfy({ $0 == "_" })
        {
            return above
        }
        return index
    }
}
