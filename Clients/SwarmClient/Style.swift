public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// ANSI colours for people, nothing for pipes: on only when standard output is a terminal and
/// `NO_COLOR` is unset (https://no-color.org).
public struct Style: Sendable {
    /// Whether escape sequences are written.
    public var enabled: Bool

    /// A style that colours or not, as told.
    public init(enabled: Bool) { self.enabled = enabled }

    /// The style for standard output in this environment.
    public static func forStandardOutput(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Style {
        Style(enabled: isatty(STDOUT_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty)
    }

    /// The colours `swarm` uses.
    public enum Color: String, Sendable {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case magenta = "35"
        case cyan = "36"
        case bold = "1"
        case dim = "2"
    }

    /// `text` in `color`, or as it is when colour is off.
    public func paint(_ text: String, _ color: Color) -> String {
        enabled && !text.isEmpty ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}

/// Aligned columns for people: each column as wide as its widest cell, two spaces apart; the last
/// column is not padded. Colour is applied after padding, so escape codes never skew the widths.
public struct Table: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    /// A table with a header row.
    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// The table as lines; `color(column, row, text)` may colour a padded cell (row -1 is the header).
    public func render(style: Style, color: (Int, Int, String) -> Style.Color? = { _, _, _ in nil }) -> [String] {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String], _ rowIndex: Int) -> String {
            cells.enumerated().map { index, cell in
                let last = index == cells.count - 1
                let padded = last ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
                if rowIndex < 0 { return style.paint(padded, .bold) }
                guard let chosen = color(index, rowIndex, cell) else { return padded }
                // Colour the text only, not the padding, so underline-style themes look right.
                return style.paint(cell, chosen) + String(repeating: " ", count: padded.count - cell.count)
            }.joined(separator: "  ")
        }
        return [line(headers, -1)] + rows.enumerated().map { line($1, $0) }
    }
}
