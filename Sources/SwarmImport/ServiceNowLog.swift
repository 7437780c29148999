internal import Foundation
internal import SwarmProtocol
internal import SwiftCSV

/// One update of one incident, as a row of the ServiceNow data set "Incident management process
/// enriched event log" (docs/import.md): only the columns the import uses, checked and parsed.
struct ServiceNowRow: Sendable, Hashable {
    /// The row's line in the file (the header is line 1).
    var line: Int
    var number: String
    var state: ServiceNowState
    var reassignmentCount: Int
    var reopenCount: Int
    var modCount: Int
    /// `made_sla`; `nil` when unknown (`?`).
    var madeSLA: Bool?
    var caller: String
    var openedBy: String
    var openedAt: Timestamp
    var updatedBy: String
    var updatedAt: Timestamp
    var category: String
    var impact: Level
    var urgency: Level
    var group: String
    var assignedTo: String
    var resolvedBy: String
    var closedCode: String
    /// `knowledge` (optional column): whether a knowledge article was used; `nil` when unknown.
    var knowledge: Bool? = nil
}

/// `incident_state`: the ServiceNow states the import knows.
enum ServiceNowState: Sendable, Hashable {
    case new
    case active
    /// `Awaiting User Info`, `Awaiting Problem`, `Awaiting Vendor`, `Awaiting Evidence`, … (any `Awaiting …`).
    case awaiting
    case resolved
    case closed

    init?(_ text: String) {
        switch text {
        case "New": self = .new
        case "Active": self = .active
        case "Resolved": self = .resolved
        case "Closed": self = .closed
        default: self.init(lowercased: text.lowercased())
        }
    }

    private init?(lowercased text: String) {
        switch text {
        case "new": self = .new
        case "active", "in progress": self = .active
        case "resolved": self = .resolved
        case "closed", "canceled", "cancelled": self = .closed
        case let other where other.hasPrefix("awaiting"): self = .awaiting
        default: return nil
        }
    }
}

/// Reads the rows of a ServiceNow incident event log.
enum ServiceNowLog {
    /// The columns the import reads; a file without one of them is not this format. The data set
    /// has 36 columns; the others are ignored, and so is the order.
    static let requiredColumns = [
        "number", "incident_state", "reassignment_count", "reopen_count", "sys_mod_count", "made_sla", "caller_id",
        "opened_by", "opened_at", "sys_updated_by", "sys_updated_at", "category", "impact", "urgency",
        "assignment_group", "assigned_to", "resolved_by", "closed_code",
    ]

    /// What reading a file gives: the good rows, the bad ones, and how many data rows there were.
    struct Rows: Sendable {
        var rows: [ServiceNowRow] = []
        var problems: [LineProblem] = []
        /// Data rows read (blank lines are not rows).
        var rowsRead = 0
        /// Incident numbers seen only on malformed rows, in order of appearance.
        var numbersOfBadRows: [String] = []
    }

    /// Reads the rows of a log. Fails only when the file as a whole is unusable; a bad row is a
    /// problem with its line number.
    static func read(_ text: String, file: String) throws(InputFileError) -> Rows {
        func fatal(_ line: Int, _ message: String) -> InputFileError {
            InputFileError(file: file, problems: [LineProblem(line: line, message: message)])
        }
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        guard let (headerLine, headerText) = firstNonBlankLine(of: body) else {
            throw fatal(
                1,
                "empty file: expected a ServiceNow incident event log, a header line (number,incident_state,…) and rows"
            )
        }
        guard !headerText.contains(where: { $0 == "\u{0}" || $0 == "\u{FFFD}" }) else {
            throw fatal(headerLine, "not a text file: the first line has NUL bytes or bytes that are not UTF-8")
        }
        let lines = records(of: body)
        guard headerLine <= lines.count, let header = lines[headerLine - 1] else {
            throw fatal(headerLine, "not CSV: the header line has a stray or unbalanced quote")
        }
        let names = header.map { trimmed($0).lowercased() }
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        let missing = requiredColumns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            let found = names.prefix(5).map { "'\(printable($0.prefix(40)))'" }.joined(separator: ", ")
            throw fatal(
                headerLine,
                "not a ServiceNow incident event log: missing column(s) \(missing.joined(separator: ", ")) "
                    + "(the header starts \(found)\(names.count > 5 ? ", …" : ""))")
        }
        let columns = Columns(index: index)
        var result = Rows()
        var seen = Set<String>()
        var badNumbers: [String] = []
        for offset in lines.indices where offset >= headerLine {
            let line = offset + 1
            guard let values = lines[offset] else {
                result.rowsRead += 1
                result.problems.append(LineProblem(line: line, message: "not CSV: a stray or unbalanced quote"))
                continue
            }
            if isBlank(values) { continue }
            result.rowsRead += 1
            do throws(LineProblem) {
                let row = try parse(values, header: header.count, columns: columns, line: line)
                seen.insert(row.number)
                result.rows.append(row)
            } catch {
                result.problems.append(error)
                if values.count == header.count {
                    let number = trimmed(values[columns.number])
                    if !number.isEmpty && number != "?" { badNumbers.append(number) }
                }
            }
        }
        var reported = Set<String>()
        for number in badNumbers where !seen.contains(number) && reported.insert(number).inserted {
            result.numbersOfBadRows.append(number)
        }
        return result
    }

    /// The fields of every line (line N at index N − 1), `nil` for a line that is not valid CSV.
    ///
    /// A record of this format never spans lines. So SwiftCSV reads the whole text in one pass,
    /// and when every record is one line (no quoted line break, no quote error) that is the answer;
    /// otherwise each line is read on its own, so that a stray or unbalanced quote costs its own
    /// line only and every problem keeps its true line number.
    static func records(of text: Substring) -> [[String]?] {
        if let whole = wholeText(text) { return whole }
        return lineByLine(text)
    }

    /// SwiftCSV over the whole text; `nil` when a record is not exactly one line.
    static func wholeText(_ text: Substring) -> [[String]?]? {
        // A last line without a line break would lose a last empty field (SwiftCSV drops it at the
        // very end of its input).
        let input = String(text) + (text.last?.isNewline == true ? "" : "\n")
        var records: [[String]?] = []
        var oneLineEach = true
        do {
            let csv = try EnumeratedCSV(string: input, delimiter: .comma, loadColumns: false, rowLimit: 0)
            try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { fields in
                if oneLineEach && fields.contains(where: mayBreakLine) { oneLineEach = false }
                records.append(fields)
            }
        } catch {
            return nil
        }
        return oneLineEach ? records : nil
    }

    /// Each line through SwiftCSV on its own.
    static func lineByLine(_ text: Substring) -> [[String]?] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(fields(of:))
    }

    /// Whether a field holds a line break (bytes that may start or belong to one, then exactly).
    private static func mayBreakLine(_ field: String) -> Bool {
        field.utf8.contains { (0x0A...0x0D).contains($0) || $0 == 0x85 || $0 == 0xA8 || $0 == 0xA9 }
            && field.contains(where: \.isNewline)
    }

    /// The first line with something other than spaces and commas, and its number.
    static func firstNonBlankLine(of text: Substring) -> (Int, Substring)? {
        var line = 1
        var start = text.startIndex
        var index = start
        while index < text.endIndex {
            if text[index].isNewline {
                let candidate = text[start..<index]
                if !candidate.allSatisfy({ $0.isWhitespace || $0 == "," }) { return (line, candidate) }
                line += 1
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        let last = text[start...]
        return last.allSatisfy({ $0.isWhitespace || $0 == "," }) ? nil : (line, last)
    }

    /// Text from the file as it may be shown on a terminal: control and format characters (an
    /// escape sequence, a NUL) written as `\u{1B}`.
    static func printable(_ text: some StringProtocol) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A row of empty fields (or only spaces): a blank line, or one of commas.
    private static func isBlank(_ fields: [String]) -> Bool {
        fields.allSatisfy { $0.allSatisfy(\.isWhitespace) }
    }

    /// The fields of one line, through SwiftCSV; `nil` when it is not valid CSV (a quote in the
    /// middle of an unquoted field, text after a closing quote, or a quote never closed).
    private static func fields(of line: Substring) -> [String]? {
        // Quotes must balance on the line: SwiftCSV would otherwise read on into the next line.
        guard line.utf8.count(where: { $0 == UInt8(ascii: "\"") }).isMultiple(of: 2) else { return nil }
        // The newline makes SwiftCSV keep a last empty field (at the very end of its input it drops it).
        guard let csv = try? EnumeratedCSV(string: line + "\n", delimiter: .comma, loadColumns: false, rowLimit: 0)
        else { return nil }
        return csv.header
    }

    /// A field without the spaces around it; cheap when there are none (the usual case).
    static func trimmed(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, let last = field.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        else { return field }
        return field.trimmingCharacters(in: .whitespaces)
    }

    /// The positions of the columns the import reads.
    struct Columns: Sendable {
        var number, state, reassignmentCount, reopenCount, modCount, madeSLA, caller, openedBy, openedAt: Int
        var updatedBy, updatedAt, category, impact, urgency, group, assignedTo, resolvedBy, closedCode: Int
        /// `knowledge`, which the import does not require.
        var knowledge: Int?

        init(index: [String: Int]) {
            func at(_ name: String) -> Int { index[name] ?? 0 }
            number = at("number")
            state = at("incident_state")
            reassignmentCount = at("reassignment_count")
            reopenCount = at("reopen_count")
            modCount = at("sys_mod_count")
            madeSLA = at("made_sla")
            caller = at("caller_id")
            openedBy = at("opened_by")
            openedAt = at("opened_at")
            updatedBy = at("sys_updated_by")
            updatedAt = at("sys_updated_at")
            category = at("category")
            impact = at("impact")
            urgency = at("urgency")
            group = at("assignment_group")
            assignedTo = at("assigned_to")
            resolvedBy = at("resolved_by")
            closedCode = at("closed_code")
            knowledge = index["knowledge"]
        }
    }

    /// Checks and parses one row; the first problem found is thrown.
    static func parse(_ values: [String], header: Int, columns: Columns, line: Int) throws(LineProblem) -> ServiceNowRow
    {
        func fail(_ message: String) -> LineProblem { LineProblem(line: line, message: message) }
        guard values.count == header else {
            throw fail("has \(values.count) field\(values.count == 1 ? "" : "s"), the header has \(header)")
        }
        func field(_ position: Int) -> String { trimmed(values[position]) }
        func shown(_ value: String) -> String {
            value.count > 40 ? "'\(printable(value.prefix(40)))…'" : "'\(printable(value))'"
        }
        let number = field(columns.number)
        guard !number.isEmpty, number != "?" else { throw fail("no incident number") }
        guard let state = ServiceNowState(field(columns.state)) else {
            throw fail(
                "incident_state \(shown(field(columns.state))) is not New, Active, Awaiting …, Resolved or Closed")
        }
        func count(_ position: Int, _ name: String) throws(LineProblem) -> Int {
            guard let value = Int(field(position)), value >= 0 else {
                throw fail("\(name) \(shown(field(position))) is not a count (a whole number from 0)")
            }
            return value
        }
        func date(_ position: Int, _ name: String) throws(LineProblem) -> Timestamp {
            guard let value = ServiceNowDate.parse(field(position)) else {
                throw fail("\(name) \(shown(field(position))) is not a date like 29-02-2016 13:05")
            }
            return value
        }
        func level(_ position: Int, _ name: String) throws(LineProblem) -> Level {
            let text = field(position)
            if text == "?" || text.isEmpty { return .medium }
            guard let value = ServiceNowLevel.parse(text) else {
                throw fail("\(name) \(shown(text)) is not 1 - High, 2 - Medium or 3 - Low")
            }
            return value
        }
        let madeSLA: Bool?
        switch field(columns.madeSLA).lowercased() {
        case "true", "1": madeSLA = true
        case "false", "0": madeSLA = false
        case "?", "": madeSLA = nil
        default: throw fail("made_sla \(shown(field(columns.madeSLA))) is not TRUE or FALSE")
        }
        return ServiceNowRow(
            line: line, number: number, state: state,
            reassignmentCount: try count(columns.reassignmentCount, "reassignment_count"),
            reopenCount: try count(columns.reopenCount, "reopen_count"),
            modCount: try count(columns.modCount, "sys_mod_count"), madeSLA: madeSLA, caller: field(columns.caller),
            openedBy: field(columns.openedBy), openedAt: try date(columns.openedAt, "opened_at"),
            updatedBy: field(columns.updatedBy), updatedAt: try date(columns.updatedAt, "sys_updated_at"),
            category: field(columns.category), impact: try level(columns.impact, "impact"),
            urgency: try level(columns.urgency, "urgency"), group: field(columns.group),
            assignedTo: field(columns.assignedTo), resolvedBy: field(columns.resolvedBy),
            closedCode: field(columns.closedCode),
            knowledge: columns.knowledge.flatMap { position in
                switch field(position).lowercased() {
                case "true", "1": true
                case "false", "0": false
                default: nil
                }
            })
    }
}

/// `1 - High`, `2 - Medium`, `3 - Low` (also the bare number or word).
enum ServiceNowLevel {
    static func parse(_ text: String) -> Level? {
        switch text {
        case "1 - High": return .high
        case "2 - Medium": return .medium
        case "3 - Low": return .low
        default: break
        }
        let parts = text.lowercased().split(separator: "-", maxSplits: 1).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let levels: [(number: String, word: String, level: Level)] = [
            ("1", "high", .high), ("2", "medium", .medium), ("3", "low", .low),
        ]
        for (number, word, level) in levels {
            switch parts.count {
            case 1 where parts[0] == number || parts[0] == word: return level
            case 2 where parts[0] == number && (parts[1] == word || parts[1].isEmpty): return level
            default: continue
            }
        }
        return nil
    }
}

/// The data set's dates: `DD-MM-YYYY HH:MM`, read as UTC (the data set names no zone).
enum ServiceNowDate {
    /// Parses `DD-MM-YYYY HH:MM` (also with `/`, one-digit day, month or hour, and `:SS`);
    /// `nil` for `?` and anything else, including impossible dates such as 30-02-2016.
    static func parse(_ text: String) -> Timestamp? {
        var numbers: [Int64] = []
        var separators: [UInt8] = []
        var current: Int64 = 0
        var digits = 0
        for byte in text.utf8 {
            if (48...57).contains(byte) {
                guard digits < 4 else { return nil }
                current = current * 10 + Int64(byte - 48)
                digits += 1
            } else {
                guard digits > 0, numbers.count < 6 else { return nil }
                numbers.append(current)
                separators.append(byte)
                current = 0
                digits = 0
            }
        }
        guard digits > 0 else { return nil }
        numbers.append(current)
        guard numbers.count == 5 || numbers.count == 6 else { return nil }
        let dateSeparator = separators[0]
        guard dateSeparator == UInt8(ascii: "-") || dateSeparator == UInt8(ascii: "/"),
            separators[1] == dateSeparator, separators[2] == UInt8(ascii: " "),
            separators.dropFirst(3).allSatisfy({ $0 == UInt8(ascii: ":") })
        else { return nil }
        let (day, month, year, hour, minute) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        let second = numbers.count == 6 ? numbers[5] : 0
        guard (1970...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year, month, day)
        return Timestamp(milliseconds: ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil; years from 1970 only).
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
