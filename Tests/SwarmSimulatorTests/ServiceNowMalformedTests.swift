import Foundation
import SwarmCore
import SwarmMetrics
import SwarmProtocol
import SwarmSimulator
import Testing

@testable import SwarmImport

/// Malformed rows are skipped and reported with their line numbers; unusable files are refused with
/// a precise message; no input crashes the import.
@Suite struct ServiceNowMalformedTests {
    /// The header and the four real rows of INC0000045 (New, Resolved, Resolved, Closed), without line ends.
    static let lines: [String] = SliceFixture.text.split(whereSeparator: \.isNewline).prefix(5).map(String.init)
    static var header: String { lines[0] }
    static func row(_ index: Int, _ column: String, _ value: String) -> String {
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[index].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let position = names.firstIndex(of: column) else { fatalError("no column \(column)") }
        fields[position] = value
        return fields.joined(separator: ",")
    }

    @Test func malformedRowsAreCountedWithTheirLineNumbers() throws {
        let text = [
            Self.header,  // 1
            Self.lines[1],  // 2: good (New)
            "",  // 3: blank, not a row
            "INC0000045,New,TRUE",  // 4
            Self.row(2, "sys_updated_at", "31-02-2016 10:00"),  // 5
            Self.row(2, "incident_state", "Pending"),  // 6
            Self.row(2, "number", "?"),  // 7
            Self.row(2, "incident_state", "Res\"olved"),  // 8: a stray quote
            Self.row(2, "sys_mod_count", "x"),  // 9
            Self.row(2, "made_sla", "maybe"),  // 10
            Self.row(2, "impact", "9 - Huge"),  // 11
            "\u{0}\u{1}\u{FFFD}\u{FFFD}PNG\u{1A}",  // 12
            ",,,, ,,",  // 13: only separators, not a row
            String(repeating: "A,", count: 60_000),  // 14
            "\"" + Self.lines[2],  // 15: a quote never closed; must not swallow the next lines
            Self.lines[2],  // 16: good (Resolved)
            Self.row(3, "opened_at", "?"),  // 17
            Self.lines[4],  // 18: good (Closed)
            // 19: the only row of INC9999999, with a bad time
            Self.row(1, "number", "INC9999999").replacingOccurrences(of: "01:23", with: "1:23pm"),
            Self.row(1, "reopen_count", "-1"),  // 20
        ].joined(separator: "\r\n")
        let imported = try ServiceNowImport.parse(text, file: "hostile.csv")
        #expect(imported.problems.map(\.line) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 17, 19, 20])
        #expect(imported.rowsRead == 17)
        #expect(imported.incidents.map(\.number) == ["INC0000045"])
        #expect(imported.incidents[0].rows == 3)
        #expect(imported.incidents[0].status == .closed)
        #expect(imported.skippedIncidents == ["INC9999999"])
        let messages = Dictionary(uniqueKeysWithValues: imported.problems.map { ($0.line, $0.message) })
        #expect(messages[4] == "has 3 fields, the header has 36")
        #expect(messages[5] == "sys_updated_at '31-02-2016 10:00' is not a date like 29-02-2016 13:05")
        #expect(messages[6] == "incident_state 'Pending' is not New, Active, Awaiting …, Resolved or Closed")
        #expect(messages[7] == "no incident number")
        #expect(messages[8] == "not CSV: a stray or unbalanced quote")
        #expect(messages[9] == "sys_mod_count 'x' is not a count (a whole number from 0)")
        #expect(messages[10] == "made_sla 'maybe' is not TRUE or FALSE")
        #expect(messages[11] == "impact '9 - Huge' is not 1 - High, 2 - Medium or 3 - Low")
        #expect(messages[14] == "has 60001 fields, the header has 36")
        #expect(messages[17] == "opened_at '?' is not a date like 29-02-2016 13:05")
        #expect(messages[20] == "reopen_count '-1' is not a count (a whole number from 0)")

        let summary = ServiceNowSummary(imported).text(shownProblems: 3)
        #expect(summary.contains("17 read, 3 used, 14 malformed; 1 incident(s) skipped"))
        #expect(summary.contains("  line 4: has 3 fields, the header has 36\n"))
        #expect(summary.contains("  … and 11 more"))
        #expect(!summary.contains("line 7:"))
    }

    /// The one-pass reading and the line-by-line one give the same fields for every line.
    @Test func bothReadingsAgree() throws {
        let text = Substring(SliceFixture.text)
        let whole = try #require(ServiceNowLog.wholeText(text))
        let lines = ServiceNowLog.lineByLine(text)
        #expect(lines.count == whole.count + 1 && lines.last == [""])
        #expect(Array(lines.dropLast()) == whole)
        // Without the last line break, and with a last empty field.
        let cut = String(text.dropLast(2)) + ","
        #expect(ServiceNowLog.wholeText(Substring(cut)) == ServiceNowLog.lineByLine(Substring(cut)))
        // A quoted line break makes the whole-text reading give up: lines are read one by one.
        #expect(ServiceNowLog.wholeText("a,\"b\nc\"\nd") == nil)
        #expect(ServiceNowLog.records(of: "a,\"b\nc\"\nd") == [nil, nil, ["d"]])
    }

    @Test func unusableFilesAreRefusedPrecisely() {
        func refusal(_ text: String) -> String? {
            do {
                _ = try ServiceNowImport.parse(text, file: "in.csv")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal("")?.hasPrefix("in.csv:1: empty file: expected a ServiceNow incident event log") == true)
        #expect(refusal("\n \r\n\n")?.hasPrefix("in.csv:1: empty file") == true)
        #expect(refusal("\u{FEFF}")?.hasPrefix("in.csv:1: empty file") == true)
        #expect(
            refusal("{\"tickets\": [1, 2]}\n") == "in.csv:1: not CSV: the header line has a stray or unbalanced quote")
        #expect(
            refusal("id,arrival,category,urgency,impact,skills,effort_minutes,queue\n")
                == "in.csv:1: not a ServiceNow incident event log: missing column(s) number, incident_state, "
                + "reassignment_count, reopen_count, sys_mod_count, made_sla, caller_id, opened_by, opened_at, "
                + "sys_updated_by, sys_updated_at, assignment_group, assigned_to, resolved_by, closed_code "
                + "(the header starts 'id', 'arrival', 'category', 'urgency', 'impact', …)")
        let binary = String(
            decoding: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0xFF, 0x0A, 0x41] as [UInt8], as: UTF8.self)
        #expect(
            refusal(binary) == "in.csv:1: not a text file: the first line has NUL bytes or bytes that are not UTF-8")
        #expect(refusal("number,\"incident_state\n")?.hasPrefix("in.csv:1: not CSV") == true)
        #expect(refusal("\n\nid,arrival\n")?.hasPrefix("in.csv:3: not a ServiceNow incident event log") == true)
        #expect(refusal(Self.header + "\r\n") == "in.csv:1: no rows after the header: the log has no incidents")
        let allBad = [Self.header, "x", Self.row(1, "opened_at", "soon")].joined(separator: "\n")
        #expect(
            refusal(allBad)
                == """
                in.csv:1: no usable rows: all 2 rows are malformed
                in.csv:2: has 1 field, the header has 36
                in.csv:3: opened_at 'soon' is not a date like 29-02-2016 13:05
                """)
        // A byte-order mark, columns in another order and extra columns are fine.
        let names = Self.header.split(separator: ",").map(String.init)
        let reordered = (["extra"] + names.reversed()).joined(separator: ",")
        let fields = Self.lines[1].split(separator: ",", omittingEmptySubsequences: false).reversed()
        let row = (["x"] + fields.map(String.init)).joined(separator: ",")
        #expect(refusal("\u{FEFF}" + reordered + "\n" + row + "\n") == nil)
    }

    @Test func unreadableFilesAreRefused() {
        #expect(throws: InputFileError.self) { try ServiceNowImport.load(path: "/nonexistent/log.csv") }
        let directory = FileManager.default.temporaryDirectory.path
        do {
            _ = try ServiceNowImport.load(path: directory)
            Issue.record("a directory was read")
        } catch {
            #expect(error.description == "\(directory):0: is a directory, not a file")
        }
    }

    /// Mangled copies of real rows and random bytes: every one either imports or is refused, and
    /// the problems have line numbers within the file.
    @Test func noInputCrashes() {
        var random = FuzzRandom(seed: 42)
        let alphabet = Array(",\"\r\n?-:/ 0123456789ABCxyz\u{0}\u{FEFF}é")
        let base = Self.lines.joined(separator: "\n")
        for round in 0..<300 {
            var characters = Array(round % 3 == 0 ? "" : base)
            let edits = Int(random.next() % 40) + 1
            for _ in 0..<edits {
                let character = alphabet[Int(random.next() % UInt64(alphabet.count))]
                let position = characters.isEmpty ? 0 : Int(random.next() % UInt64(characters.count + 1))
                switch random.next() % 3 {
                case 0: characters.insert(character, at: position)
                case 1 where position < characters.count: characters[position] = character
                default: if position < characters.count { characters.remove(at: position) }
                }
            }
            let text = String(characters)
            let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
            do {
                let imported = try ServiceNowImport.parse(text, file: "fuzz.csv")
                #expect(imported.problems.allSatisfy { $0.line >= 2 && $0.line <= lineCount })
                #expect(!imported.incidents.isEmpty)
                _ = SwarmState.replaying(imported.events)
                _ = Workload.csv(imported.workload)
            } catch {
                #expect(!error.problems.isEmpty)
            }
        }
    }
}

/// A small deterministic generator for the fuzz test.
struct FuzzRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The mapping rules of docs/import.md, one by one.
@Suite struct ServiceNowMappingTests {
    @Test func agentIDs() throws {
        #expect(ServiceNowImport.agentID("Caller 2403") == "caller-2403")
        #expect(ServiceNowImport.agentID("Opened by  8") == "opened-by-8")
        #expect(ServiceNowImport.agentID("Resolver 170") == "resolver-170")
        #expect(ServiceNowImport.agentID(" Updated by 908 ") == "updated-by-908")
        #expect(ServiceNowImport.agentID("?") == nil)
        #expect(ServiceNowImport.agentID("") == nil)
        #expect(ServiceNowImport.agentID("--- ") == nil)
        #expect(ServiceNowImport.agentID("swarmd") == "servicenow-swarmd")
        #expect(ServiceNowImport.agentID("José Núñez") == "jos-n-ez")
        for count in 20...23 {
            let long = try #require(ServiceNowImport.agentID(String(repeating: "ab ", count: count)))
            #expect(Limits.isValidAgent(long) && long.count <= 64 && !long.hasSuffix("-"))
        }
        #expect(ServiceNowImport.agentID("\u{212A}elvin") == "elvin")
    }

    @Test func categories() {
        #expect(ServiceNowImport.category("Category 55") == .hardware)
        #expect(ServiceNowImport.category("Category 26") == .software)
        #expect(ServiceNowImport.category("Category 37") == .service)
        #expect(ServiceNowImport.category("Category 53") == .network)
        #expect(ServiceNowImport.category("Category 9") == .access)
        #expect(ServiceNowImport.category("Network") == .network)
        #expect(ServiceNowImport.category("?") == .other)
        #expect(ServiceNowImport.category("Inquiry / Help") == .other)
        #expect(ServiceNowImport.category("Category 123456789012345678901234567890") == .hardware)
    }

    @Test func dates() {
        #expect(ServiceNowDate.parse("29-02-2016 01:16") == Timestamp(iso8601: "2016-02-29T01:16:00Z"))
        #expect(ServiceNowDate.parse("1/3/2016 9:05") == Timestamp(iso8601: "2016-03-01T09:05:00Z"))
        #expect(ServiceNowDate.parse("31-12-2016 23:59:59") == Timestamp(iso8601: "2016-12-31T23:59:59Z"))
        for bad in [
            "29-02-2015 01:16", "31-04-2016 10:00", "29-02-2016 24:00", "29-02-2016 10:60", "29-02-2016", "?", "",
            "29-02-2016 10:00:00:00", "29/02-2016 10:00", "29-13-2016 10:00", "00-01-2016 10:00",
            "29-02-99999 10:00", "2016-02-29 10:00", "29-02-2016T10:00", "-1-02-2016 10:00",
        ] {
            #expect(ServiceNowDate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func levels() {
        #expect(ServiceNowLevel.parse("1 - High") == .high)
        #expect(ServiceNowLevel.parse("2 - Medium") == .medium)
        #expect(ServiceNowLevel.parse("3 - Low") == .low)
        #expect(ServiceNowLevel.parse("2") == .medium)
        #expect(ServiceNowLevel.parse("low") == .low)
        #expect(ServiceNowLevel.parse("3 - Moderate") == nil)
        #expect(ServiceNowLevel.parse("12 - High") == nil)
    }

    @Test func statusPaths() {
        #expect(ServiceNowImport.path(from: .resolved, to: .inProgress) == [.open, .inProgress])
        #expect(ServiceNowImport.path(from: .new, to: .waiting) == [.open, .waiting])
        #expect(ServiceNowImport.path(from: .new, to: .closed) == [.resolved, .closed])
        #expect(ServiceNowImport.path(from: .closed, to: .resolved) == [.open, .resolved])
        #expect(ServiceNowImport.path(from: .waiting, to: .open) == [.inProgress, .open])
        #expect(ServiceNowImport.path(from: .open, to: .open) == [])
        for from in TicketStatus.allCases {
            for to in TicketStatus.allCases where to != .new && to != from {
                var current = from
                for step in ServiceNowImport.path(from: from, to: to) {
                    #expect(current.allowedNext.contains(step))
                    current = step
                }
                #expect(current == to, "\(from) → \(to)")
            }
        }
    }

    @Test func terminalSafeText() {
        #expect(ServiceNowLog.printable("a\u{1B}[31mb\u{0}") == "a\\u{1B}[31mb\\u{0}")
        #expect(ServiceNowLog.printable("Größe 5") == "Größe 5")
        let text = [ServiceNowMalformedTests.header, ServiceNowMalformedTests.row(1, "incident_state", "\u{1B}[2J")]
            .joined(separator: "\n")
        do {
            _ = try ServiceNowImport.parse(text, file: "x.csv")
            Issue.record("the only row is malformed; the file should be refused")
        } catch {
            #expect(error.problems.last?.message.hasPrefix("incident_state '\\u{1B}[2J' is not New") == true)
        }
    }

    @Test func ticketIDs() {
        #expect(
            ServiceNowImport.ticketIDs(for: ["INC0000045", "INC45", "CHG", "INC0000046", "INC0"])
                == ["T-45", "T-47", "T-48", "T-46", "T-49"])
    }
}
