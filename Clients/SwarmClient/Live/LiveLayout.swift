/// The size of a terminal, in character cells.
public struct TerminalSize: Sendable, Hashable {
    public var columns: Int
    public var rows: Int

    /// A size of `columns` × `rows`.
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
}

/// A live view's screen: its header line, then a list's lines as many as fit, the rest counted in a
/// last line "… N more"; every line cut to the width, so none wraps.
public enum LiveLayout {
    /// The lines for a screen of `size`.
    ///
    /// - Parameters:
    ///   - header: the first line, always shown.
    ///   - columns: the list's column headings, shown above the rows when at least one row fits.
    ///   - rows: one line per item, in order.
    ///   - beyond: items that match but were not read (the hub counted them): they are counted in
    ///     "… N more" too.
    ///   - style: for the "… N more" line.
    public static func fit(
        header: String, columns: String?, rows: [String], beyond: Int = 0, size: TerminalSize,
        style: Style = Style(enabled: false)
    ) -> [String] {
        guard size.rows > 0, size.columns > 0 else { return [] }
        let room = size.rows - 1
        let body = (columns.map { [$0] } ?? []) + rows
        var lines = [header]
        func more(_ count: Int) -> String { style.paint("… \(count) more", .dim) }
        if body.count + (beyond > 0 ? 1 : 0) <= room {
            lines += body
            if beyond > 0 { lines.append(more(beyond)) }
        } else if room > 0 {
            // One line goes to "… N more"; the column headings only above at least one row.
            let headings = columns == nil ? 0 : 1
            let shownRows = max(0, room - 1 - headings)
            if shownRows > 0 {
                lines += body.prefix(headings + shownRows)
            }
            lines.append(more(rows.count - shownRows + beyond))
        }
        return lines.map { TerminalColumns.cut($0, to: size.columns) }
    }
}
