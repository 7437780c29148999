import Foundation

/// Checks that a `--help` text's prose is wrapped to the width it was printed for, the way a person
/// reads it: every paragraph filled line by line, no line wider than the terminal.
///
/// ArgumentParser wraps each line of a discussion to the terminal's width (`COLUMNS`, else the
/// terminal's, else 80), but keeps the line breaks it is given: prose broken by hand at 100 columns
/// came out at 80 as a long line and a short one, over and over. Two lines of one paragraph are
/// well filled when the second's first word would not have fitted on the first, which is what a
/// greedy wrapper produces.
public enum HelpLayout {
    /// The lines of `help`'s discussion (between `OVERVIEW` and `USAGE`) that break that rule, or
    /// that are wider than `width` though they could be broken; empty when the text is well wrapped.
    /// Indented lines (examples, lists) are left as their authors set them.
    public static func problems(in help: String, width: Int) -> [String] {
        var lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) { lines = Array(lines[..<usage]) }
        var problems: [String] = []
        for (index, line) in lines.enumerated() {
            if line.count > width && line.trimmingCharacters(in: .whitespaces).contains(" ") {
                problems.append("wider than \(width): \(line)")
            }
            guard index + 1 < lines.count, !line.hasPrefix("OVERVIEW:") else { continue }
            let next = lines[index + 1]
            guard let first = line.first, first != " ", let start = next.first, start != " " else { continue }
            let word = next.split(separator: " ").first.map(String.init) ?? next
            // ArgumentParser breaks at the last space within `width` characters, so a line holds at
            // most `width - 1`: a word that would end exactly at the edge goes to the next line.
            if line.count + 1 + word.count < width {
                problems.append("ragged: '\(line)' is followed by '\(word)…', which fits after it")
            }
        }
        return problems
    }
}
