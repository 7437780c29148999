import SwarmCore
import SwarmImport

/// The names of a bulk token file (`swarmd token create --csv`): a CSV whose header has a `name`
/// column. Every bad line is reported and none is used.
enum TokenNames {
    /// The most names one file may hold: a small company's staff, with room to spare.
    static let maximum = 10_000

    /// Why `name` cannot be a token's name, or `nil` when it can.
    static func problem(with name: String) -> String? {
        guard Limits.isValidAgent(name) else {
            return "'\(name)' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        }
        guard name != SwarmState.systemActor else { return "'\(name)' is reserved for the hub's own events" }
        return nil
    }

    /// The names of `text`, in file order.
    static func parse(_ text: String, file: String) throws(InputFileError) -> [String] {
        // Spreadsheets often save UTF-8 with a byte-order mark; it is not part of the first column's name.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let records = try CSVRows.records(
            text, file: file, required: ["name"], expected: "a header with a 'name' column, like: name,email")
        var names: [String] = []
        var problems: [LineProblem] = []
        var seen: [String: Int] = [:]
        for record in records {
            let name = record.field("name")
            if name.isEmpty {
                problems.append(LineProblem(line: record.line, message: "no name"))
            } else if let problem = problem(with: name) {
                problems.append(LineProblem(line: record.line, message: "name \(problem)"))
            } else if let first = seen[name] {
                problems.append(LineProblem(line: record.line, message: "name '\(name)' is already on line \(first)"))
            } else {
                seen[name] = record.line
                names.append(name)
            }
        }
        guard problems.isEmpty else { throw InputFileError(file: file, problems: problems) }
        guard !names.isEmpty else {
            throw InputFileError(file: file, problems: [LineProblem(line: 2, message: "no names: list at least one")])
        }
        guard names.count <= maximum else {
            throw InputFileError(
                file: file,
                problems: [LineProblem(line: maximum + 2, message: "more than \(maximum) names; split the file")])
        }
        return names
    }
}
