/// What a full-screen view has drawn, and what it must write to show new lines: only the lines that
/// changed, each addressed by its row, or every row after the size changed.
///
/// Each line is written at its own row (`ESC[row;1H`), cleared first (`ESC[2K`), and never followed
/// by a newline: writing the last row then cannot scroll the screen, and a line as wide as the
/// screen cannot leave the cursor wrapping onto the next one.
public struct LiveScreen: Sendable {
    private var shown: [String] = []
    private var size: TerminalSize?

    /// A screen that has drawn nothing yet.
    public init() {}

    /// The bytes that turn the screen into `lines` (already fit to `size`, ``LiveLayout``); `nil`
    /// when nothing changed. Rows under the last line are cleared.
    public mutating func draw(_ lines: [String], size: TerminalSize) -> String? {
        let everything = size != self.size
        var out = ""
        for row in 0..<max(0, size.rows) {
            let line = row < lines.count ? lines[row] : ""
            let before = row < shown.count ? shown[row] : ""
            guard everything || line != before else { continue }
            out += "\u{1B}[\(row + 1);1H\u{1B}[2K" + line
        }
        shown = Array(lines.prefix(max(0, size.rows)))
        self.size = size
        return out.isEmpty ? nil : out
    }

    /// Forgets what is on the screen, so the next ``draw(_:size:)`` writes every row (Ctrl-L, or
    /// after something else wrote over it).
    public mutating func invalidate() {
        size = nil
    }
}
