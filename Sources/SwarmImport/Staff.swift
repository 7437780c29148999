internal import Foundation
public import SwarmCore
public import SwarmProtocol

/// One person of a simulated support team (docs/simulator.md, "Staff files").
public struct StaffMember: Sendable, Hashable {
    /// The agent id: what the person's token would be named.
    public var id: String
    /// `agent`, `expert` or `lead`: the role the person acts with.
    public var role: Role
    /// The support tiers (1–4) the person works at in tiered and hybrid queues; may be empty.
    public var tiers: [Int]
    /// Tag → level 1–5, tags as the taxonomy spells them (synonyms already resolved).
    public var skills: [String: Int]
    public var shift: Shift
    /// How many tickets the person works at once; `nil`: the simulation's default.
    public var capacity: Int?
    /// The teams (assignment groups) the person belongs to: informative, the simulation routes by tier.
    public var teams: [String] = []

    public init(
        id: String, role: Role = .agent, tiers: [Int] = [], skills: [String: Int] = [:], shift: Shift = .always,
        capacity: Int? = nil
    ) {
        self.id = id
        self.role = role
        self.tiers = tiers
        self.skills = skills
        self.shift = shift
        self.capacity = capacity
    }
}

/// When a person is at work: `always`, or a daily window in UTC, on some weekdays or every day.
/// A window whose end is not after its start runs past midnight (`22:00-06:00`).
public struct Shift: Sendable, Hashable, CustomStringConvertible {
    /// Weekdays the window starts on, 0 = Sunday … 6 = Saturday, as seven flags; all `true`: every day.
    public var days: [Bool]
    /// Minutes after midnight UTC.
    public var start: Int
    public var end: Int
    /// Whether the person is always at work (no window).
    public var isAlways: Bool

    public static let always = Shift(days: Array(repeating: true, count: 7), start: 0, end: 0, isAlways: true)

    /// A daily window from `start` to `end` minutes after midnight UTC, starting on `days`
    /// (0 = Sunday … 6 = Saturday; every day when `nil`).
    public init(start: Int, end: Int, days: [Int]? = nil) {
        var flags = Array(repeating: days == nil, count: 7)
        for day in days ?? [] where (0..<7).contains(day) { flags[day] = true }
        self.init(days: flags, start: start, end: end, isAlways: false)
    }

    private init(days: [Bool], start: Int, end: Int, isAlways: Bool) {
        self.days = days
        self.start = start
        self.end = end
        self.isAlways = isAlways
    }

    private static let dayMs: Int64 = 86_400_000
    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Whether the person is at work at `instant`.
    public func isOn(at instant: Timestamp) -> Bool {
        if isAlways { return true }
        let t = instant.milliseconds
        return intervals(around: t).contains { $0.0 <= t && t < $0.1 }
    }

    /// The first instant after `instant` at which the person comes or goes; `nil` for `always`.
    public func nextChange(after instant: Timestamp) -> Timestamp? {
        if isAlways { return nil }
        let t = instant.milliseconds
        for (from, to) in intervals(around: t) {
            if from > t { return Timestamp(milliseconds: from) }
            if to > t { return Timestamp(milliseconds: to) }
        }
        return nil
    }

    /// The working windows from the day before `t` to eight days after, merged where one ends as
    /// the next begins (`00:00-24:00` every day is one long window), in order.
    private func intervals(around t: Int64) -> [(Int64, Int64)] {
        let today = t >= 0 ? t / Self.dayMs : (t - Self.dayMs + 1) / Self.dayMs
        var windows: [(Int64, Int64)] = []
        for day in (today - 1)...(today + 8) {
            // Day 0 (1970-01-01) was a Thursday (weekday 4).
            let weekday = Int(((day % 7) + 7 + 4) % 7)
            guard days[weekday] else { continue }
            let midnight = day * Self.dayMs
            let length = Int64(end > start ? end - start : end + 1440 - start) * 60_000
            let from = midnight + Int64(start) * 60_000
            if let last = windows.last, last.1 >= from {
                windows[windows.count - 1].1 = max(last.1, from + length)
            } else {
                windows.append((from, from + length))
            }
        }
        return windows
    }

    public var description: String {
        if isAlways { return "always" }
        func clock(_ minutes: Int) -> String {
            let h = minutes / 60
            let m = minutes % 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }
        let hours = "\(clock(start))-\(clock(end))"
        if days.allSatisfy({ $0 }) { return hours }
        let names = (0..<7).map { ($0 + 1) % 7 }.filter { days[$0] }.map { Self.dayNames[$0] }
        return names.joined(separator: "/") + " " + hours
    }

    /// Parses `always`, `HH:MM-HH:MM`, or days and hours: `mon-fri 08:00-17:00`, `sat/sun 09:00-13:00`.
    public static func parse(_ text: String) -> Shift? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "always" { return .always }
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 1 || parts.count == 2, let hours = parts.last else { return nil }
        let bounds = hours.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2, let start = minutes(bounds[0]), let end = minutes(bounds[1]), start != end,
            start < 1440
        else { return nil }
        guard parts.count == 2 else { return Shift(start: start, end: end) }
        guard let days = weekdays(parts[0]) else { return nil }
        return Shift(start: start, end: end, days: days)
    }

    /// `HH:MM`, `00:00` to `24:00`.
    private static func minutes(_ text: String) -> Int? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2, fields[0].count == 2, fields[1].count == 2, let h = Int(fields[0]),
            let m = Int(fields[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440
        else { return nil }
        return h * 60 + m
    }

    /// `mon-fri` (a range, which may wrap: `fri-mon`), `sat/sun` (a list), or one day.
    private static func weekdays(_ text: String) -> [Int]? {
        func day(_ name: Substring) -> Int? { dayNames.firstIndex(of: String(name)) }
        if text.contains("-") {
            let ends = text.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let first = day(ends[0]), let last = day(ends[1]) else { return nil }
            var result = [first]
            var current = first
            while current != last {
                current = (current + 1) % 7
                result.append(current)
            }
            return result
        }
        var result: [Int] = []
        for name in text.split(separator: "/", omittingEmptySubsequences: false) {
            guard let index = day(name) else { return nil }
            result.append(index)
        }
        return result
    }
}

/// Reads and writes staff CSV files: `agent,role,tiers,skills,shift` and an optional `capacity`.
public enum Staff {
    public static let columns = ["agent", "role", "tiers", "skills", "shift", "capacity"]
    /// An optional last column: the person's teams, `;`-separated (written when someone has one).
    public static let teamsColumn = "teams"
    /// The roles a staff member may have.
    public static let roles: [Role] = [.agent, .expert, .lead]
    /// The most tickets one person may be set to work at once.
    public static let capacities = 1...20

    /// Parses a staff file, checking skills against `taxonomy`; every bad line is reported (with
    /// its number) and none is used. Members come back in file order.
    public static func parse(_ text: String, file: String, taxonomy: Taxonomy) throws(InputFileError) -> [StaffMember] {
        let records = try CSVRows.records(
            text, file: file, required: Array(columns.dropLast()),
            expected: columns.dropLast().joined(separator: ",") + " and optionally capacity")
        var members: [StaffMember] = []
        var problems: [LineProblem] = []
        var seen: [String: Int] = [:]
        for record in records {
            let line = record.line
            let field = record.field
            do throws(LineProblem) {
                let member = try self.member(field, line: line, taxonomy: taxonomy)
                if let first = seen[member.id] {
                    throw LineProblem(line: line, message: "agent '\(member.id)' is already on line \(first)")
                }
                seen[member.id] = line
                members.append(member)
            } catch {
                problems.append(error)
            }
        }
        guard problems.isEmpty else { throw InputFileError(file: file, problems: problems) }
        guard !members.isEmpty else {
            throw InputFileError(
                file: file, problems: [LineProblem(line: 2, message: "no staff: list at least one agent")])
        }
        return members
    }

    /// Reads a staff file.
    public static func load(path: String, taxonomy: Taxonomy) throws(InputFileError) -> [StaffMember] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputFileError(file: path, problems: [LineProblem(line: 0, message: "cannot read the file")])
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path, taxonomy: taxonomy)
    }

    /// The members as a staff CSV file (skills sorted by tag).
    public static func csv(_ members: [StaffMember]) -> String {
        let withTeams = members.contains { !$0.teams.isEmpty }
        var out = (columns + (withTeams ? [teamsColumn] : [])).joined(separator: ",") + "\n"
        for member in members {
            let skills = member.skills.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
            let fields =
                [
                    member.id, member.role.rawValue, member.tiers.map(String.init).joined(separator: ";"),
                    skills.joined(separator: ";"), member.shift.description, member.capacity.map(String.init) ?? "",
                ] + (withTeams ? [member.teams.joined(separator: ";")] : [])
            out += fields.map(CSVRows.escape).joined(separator: ",") + "\n"
        }
        return out
    }

    private static func member(_ field: (String) -> String, line: Int, taxonomy: Taxonomy) throws(LineProblem)
        -> StaffMember
    {
        func fail(_ message: String) -> LineProblem { LineProblem(line: line, message: message) }
        let id = field("agent")
        guard Limits.isValidAgent(id), id != SwarmState.systemActor else {
            throw fail(
                "agent '\(id)' is not an agent id (1 to 64 letters, digits, '.', '_' or '-', not '\(SwarmState.systemActor)')"
            )
        }
        guard let role = Role(rawValue: field("role").lowercased()), roles.contains(role) else {
            throw fail("role '\(field("role"))' is not one of \(roles.map(\.rawValue).joined(separator: ", "))")
        }
        var tiers: [Int] = []
        for text in field("tiers").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !text.isEmpty {
            guard let tier = Int(text), Tier.escalation.contains(tier) else {
                throw fail("tier '\(text)' is not a tier from 1 to 4 (separate tiers with ';', like 1;2)")
            }
            if !tiers.contains(tier) { tiers.append(tier) }
        }
        var skills: [String: Int] = [:]
        for entry in field("skills").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !entry.isEmpty {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard parts.count == 2, let level = Int(parts[1]) else {
                throw fail("skill '\(entry)' is not tag:level, like network.dns:4")
            }
            guard Limits.skillLevel.contains(level) else {
                throw fail("skill '\(parts[0])': level \(level) is not from 1 to 5")
            }
            guard let tag = taxonomy.resolve(parts[0]) else {
                throw fail("skill '\(parts[0])' is not a tag of the taxonomy")
            }
            guard skills[tag] == nil else { throw fail("skill '\(tag)' is listed twice") }
            skills[tag] = level
        }
        guard skills.count <= Limits.maxAgentSkills else {
            throw fail("more than \(Limits.maxAgentSkills) skills")
        }
        guard let shift = Shift.parse(field("shift")) else {
            throw fail(
                "shift '\(field("shift"))' is not 'always', HH:MM-HH:MM (UTC) or days and hours like mon-fri 08:00-17:00"
            )
        }
        var capacity: Int?
        if !field("capacity").isEmpty {
            guard let value = Int(field("capacity")), capacities.contains(value) else {
                throw fail("capacity '\(field("capacity"))' is not a whole number from 1 to \(capacities.upperBound)")
            }
            capacity = value
        }
        var member = StaffMember(
            id: id, role: role, tiers: tiers.sorted(), skills: skills, shift: shift, capacity: capacity)
        let teams = field(teamsColumn).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        for team in teams where team.isEmpty || team.count > 200 || team.contains(where: \.isNewline) {
            throw fail("team '\(team.prefix(40))' must be 1 to 200 characters on one line")
        }
        member.teams = teams
        return member
    }
}
