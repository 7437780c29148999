internal import Foundation
public import SwarmCore
public import SwarmProtocol
internal import SwiftCSV

/// One ticket of a simulator workload: when it arrives, what it is about, and how many minutes of
/// work it takes a fully skilled agent (docs/simulator.md, "Workload files").
public struct WorkloadItem: Sendable, Hashable {
    /// The source's id (an incident number, `W-17`), for tracing; not used by the simulation.
    public var id: String
    public var arrival: Timestamp
    public var category: Category
    public var urgency: Level
    public var impact: Level
    /// Skill tags the ticket needs (may be empty: the hub infers some from the category).
    public var skills: [String]
    /// Minutes of hands-on work for an agent holding every needed skill at level 5.
    public var effortMinutes: Int
    public var queue: String

    public init(
        id: String, arrival: Timestamp, category: Category, urgency: Level, impact: Level, skills: [String],
        effortMinutes: Int, queue: String = Limits.defaultQueue
    ) {
        self.id = id
        self.arrival = arrival
        self.category = category
        self.urgency = urgency
        self.impact = impact
        self.skills = skills
        self.effortMinutes = effortMinutes
        self.queue = queue
    }

    public var priority: Priority { Priority(urgency: urgency, impact: impact) }
}

/// A problem with one line of an input file: which line, and what is wrong with it.
public struct LineProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }
}

/// A file that cannot be used at all, or whose lines have problems.
public struct InputFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [LineProblem]
    public init(file: String, problems: [LineProblem]) {
        self.file = file
        self.problems = problems
    }
    public var description: String {
        let shown = problems.prefix(10).map { "\(file):\($0.line): \($0.message)" }
        let more = problems.count > 10 ? ["… and \(problems.count - 10) more problems"] : []
        return (shown + more).joined(separator: "\n")
    }
}

/// Reads and writes workload CSV files:
/// `id,arrival,category,urgency,impact,skills,effort_minutes,queue` — `arrival` in ISO-8601 UTC,
/// `skills` separated by `;`, `queue` optional (the column or the value), rows in any order.
public enum Workload {
    /// The header written by ``csv(_:)``; `queue` may be left out when reading.
    public static let columns = ["id", "arrival", "category", "urgency", "impact", "skills", "effort_minutes", "queue"]

    /// Parses a workload; every bad line is reported (with its number) and none is used.
    /// The items come back sorted by arrival (stable: file order breaks ties).
    public static func parse(_ text: String, file: String) throws(InputFileError) -> [WorkloadItem] {
        let records = try CSVRows.records(
            text, file: file, required: Array(columns.dropLast()), expected: columns.joined(separator: ","))
        var items: [WorkloadItem] = []
        var problems: [LineProblem] = []
        for record in records {
            let line = record.line
            let field = record.field
            do throws(LineProblem) {
                items.append(try item(field, line: line))
            } catch {
                problems.append(error)
            }
        }
        guard problems.isEmpty else { throw InputFileError(file: file, problems: problems) }
        return sortedByArrival(items)
    }

    /// Reads a workload file.
    public static func load(path: String) throws(InputFileError) -> [WorkloadItem] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputFileError(file: path, problems: [LineProblem(line: 0, message: "cannot read the file")])
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// The items as a workload CSV file.
    public static func csv(_ items: [WorkloadItem]) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for item in items {
            let fields = [
                item.id, item.arrival.description, item.category.rawValue, item.urgency.rawValue, item.impact.rawValue,
                item.skills.joined(separator: ";"), String(item.effortMinutes), item.queue,
            ]
            out += fields.map(CSVRows.escape).joined(separator: ",") + "\n"
        }
        return out
    }

    static func sortedByArrival(_ items: [WorkloadItem]) -> [WorkloadItem] {
        items.enumerated().sorted { ($0.element.arrival, $0.offset) < ($1.element.arrival, $1.offset) }.map(\.element)
    }

    private static func item(_ field: (String) -> String, line: Int) throws(LineProblem) -> WorkloadItem {
        func fail(_ message: String) -> LineProblem { LineProblem(line: line, message: message) }
        guard let arrival = Timestamp(iso8601: field("arrival")) else {
            throw fail("arrival '\(field("arrival"))' is not an ISO-8601 UTC time like 2026-11-23T09:30:00Z")
        }
        guard let category = Category(rawValue: field("category")) else {
            let allowed = Category.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("category '\(field("category"))' is not one of \(allowed)")
        }
        guard let urgency = Level(rawValue: field("urgency")) else {
            throw fail("urgency '\(field("urgency"))' is not high, medium or low")
        }
        guard let impact = Level(rawValue: field("impact")) else {
            throw fail("impact '\(field("impact"))' is not high, medium or low")
        }
        let skills = field("skills").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard skills.count <= Limits.maxSkills else { throw fail("more than \(Limits.maxSkills) skills") }
        if let bad = skills.first(where: { !Limits.isValidSkill($0) }) {
            throw fail("skill '\(bad)' is not a skill tag (lowercase, dotted, like network.dns)")
        }
        guard let effort = Int(field("effort_minutes")), (1...100_000).contains(effort) else {
            throw fail("effort_minutes '\(field("effort_minutes"))' is not a whole number of minutes from 1 to 100000")
        }
        let queue = field("queue").isEmpty ? Limits.defaultQueue : field("queue")
        guard Limits.isValidQueue(queue) else { throw fail("queue '\(queue)' is not a queue name") }
        return WorkloadItem(
            id: field("id"), arrival: arrival, category: category, urgency: urgency, impact: impact, skills: skills,
            effortMinutes: effort, queue: queue)
    }
}

/// CSV through SwiftCSV, shared by the workload, staff and import readers.
public enum CSVRows {
    /// Every record of `text`, the header first. Line numbers are record numbers + 1 (the files
    /// this project reads have no line breaks inside fields).
    public static func read(_ text: String) throws -> [[String]] {
        let csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false)
        return [csv.header] + csv.rows
    }

    /// One record of a file with a header: its line number and its fields by column name.
    public struct Record: Sendable {
        public let line: Int
        let row: [String]
        let index: [String: Int]

        /// The field of column `name` (lowercase), trimmed; empty when the record has none.
        public func field(_ name: String) -> String {
            guard let position = index[name], position < row.count else { return "" }
            return row[position].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The records of a CSV file whose header names at least the `required` columns (in any order,
    /// any case); blank records are left out. An unreadable file, an empty one or a missing column is
    /// an error naming the file and line 1, `expected` describing the header wanted.
    public static func records(_ text: String, file: String, required: [String], expected: String)
        throws(InputFileError) -> [Record]
    {
        func unusable(_ message: String) -> InputFileError {
            InputFileError(file: file, problems: [LineProblem(line: 1, message: message)])
        }
        let rows: [[String]]
        do {
            rows = try read(text)
        } catch {
            throw unusable("not CSV: \(error)")
        }
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
            !header.allSatisfy(\.isEmpty)
        else { throw unusable("empty file: expected a header") }
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() { index[name] = position }
        let missing = required.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw unusable("missing column(s) \(missing.joined(separator: ", ")); expected \(expected)")
        }
        return rows.dropFirst().enumerated().compactMap { offset, row in
            row.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }
                ? nil : Record(line: offset + 2, row: row, index: index)
        }
    }

    /// A field as CSV: quoted when it holds a comma, quote or line break.
    public static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
