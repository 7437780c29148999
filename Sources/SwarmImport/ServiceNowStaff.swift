internal import Foundation
public import SwarmCore
public import SwarmProtocol

/// The team a ServiceNow log shows, inferred from who acted where and when (docs/import.md,
/// "The staff"): the assignment groups as teams, each with a tier from the order incidents move
/// between them, and the people seen in each group with their tiers, skills and working hours.
/// Written as a staff file that `swarmd simulate` reads and a lead can edit.
public struct ServiceNowStaff: Sendable, Hashable {
    /// One assignment group.
    public struct Team: Sendable, Hashable {
        /// The group as the log names it (`Group 70`).
        public var name: String
        /// 1, 2 or 3: the place at which incidents most often reach it (ties: the lower).
        public var tier: Int
        /// Incidents that passed through it, and those it was the first group of.
        public var incidents: Int
        public var first: Int
        /// The agent ids seen in it, sorted.
        public var people: [String]
    }

    /// The teams, by tier and then by name.
    public var teams: [Team]
    /// The people, sorted by id, with `teams` naming their groups.
    public var members: [StaffMember]

    /// A person seen acting fewer times than this gets the hours of everyone's actions pooled.
    public static let minimumActions = 3
    /// The working window holds at least this share of a person's actions.
    public static let hoursShare = 0.8
    /// The shortest working day, in hours: a shorter run of hours is widened to it, around its middle.
    public static let shortestDay = 8
    /// Weekend actions below this share make the shift Monday to Friday.
    public static let weekendShare = 0.1
    /// A skill level for each category a person held incidents of: 3 from one incident, 4 from
    /// five, 5 from twenty.
    public static let skillSteps: [(from: Int, level: Int)] = [(20, 5), (5, 4), (1, 3)]

    /// Infers the staff from the incidents' rows (each incident's rows in update order).
    static func infer(_ incidents: [[ServiceNowRow]], taxonomy: Taxonomy) -> ServiceNowStaff {
        var positions: [String: [Int]] = [:]
        var seenIn: [String: Set<String>] = [:]
        var groupsOf: [String: Set<String>] = [:]
        var actions: [String: [Timestamp]] = [:]
        var held: [String: [Category: Set<String>]] = [:]
        var firsts: [String: Int] = [:]
        for rows in incidents {
            guard let number = rows.first?.number else { continue }
            // The distinct groups in the order the incident reached them (unknown ones skipped).
            var order: [String] = []
            var resolvedBy: (person: String, group: String, at: Timestamp)?
            var previous: ServiceNowState?
            for row in rows {
                let group = Self.known(row.group)
                if let group, !order.contains(group) { order.append(group) }
                if let group, let person = ServiceNowImport.agentID(row.assignedTo), Self.known(row.assignedTo) != nil {
                    seenIn[group, default: []].insert(person)
                    groupsOf[person, default: []].insert(group)
                    // An update of an incident while it was theirs (not its automatic closing) is
                    // a moment they were at work.
                    if row.state != .closed { actions[person, default: []].append(row.updatedAt) }
                    held[person, default: [:]][ServiceNowImport.category(row.category), default: []].insert(number)
                }
                if row.state == .resolved && previous != .resolved, let group,
                    Self.known(row.resolvedBy) != nil, let person = ServiceNowImport.agentID(row.resolvedBy)
                {
                    resolvedBy = (person, group, row.updatedAt)
                }
                previous = row.state
            }
            if let resolvedBy {
                seenIn[resolvedBy.group, default: []].insert(resolvedBy.person)
                groupsOf[resolvedBy.person, default: []].insert(resolvedBy.group)
                actions[resolvedBy.person, default: []].append(resolvedBy.at)
                if let category = rows.first.map({ ServiceNowImport.category($0.category) }) {
                    held[resolvedBy.person, default: [:]][category, default: []].insert(number)
                }
            }
            for (index, group) in order.enumerated() { positions[group, default: []].append(min(index + 1, 3)) }
            if let first = order.first { firsts[first, default: 0] += 1 }
        }
        var tierOf: [String: Int] = [:]
        var teams: [Team] = []
        for (name, places) in positions {
            let counts = (1...3).map { place in places.count { $0 == place } }
            let tier = (counts.firstIndex(of: counts.max() ?? 0) ?? 0) + 1
            tierOf[name] = tier
            teams.append(
                Team(
                    name: name, tier: tier, incidents: places.count, first: firsts[name] ?? 0,
                    people: (seenIn[name] ?? []).sorted()))
        }
        teams.sort { ($0.tier, $0.name.count, $0.name) < ($1.tier, $1.name.count, $1.name) }
        // Everyone's actions pooled: the hours of people seen too rarely to have their own.
        let pooled = actions.keys.sorted().flatMap { actions[$0] ?? [] }
        let fallback = Self.shift(of: pooled)
        var members: [StaffMember] = []
        for person in groupsOf.keys.sorted() {
            let groups = (groupsOf[person] ?? []).sorted { ($0.count, $0) < ($1.count, $1) }
            let tiers = Array(Set(groups.compactMap { tierOf[$0] })).sorted()
            var skills: [String: Int] = [:]
            for (category, numbers) in held[person] ?? [:] {
                guard let level = skillSteps.first(where: { numbers.count >= $0.from })?.level else { continue }
                for tag in taxonomy.categories[category] ?? [] where (skills[tag] ?? 0) < level { skills[tag] = level }
            }
            let own = actions[person] ?? []
            var member = StaffMember(
                id: person, role: .agent, tiers: tiers, skills: skills,
                shift: own.count >= minimumActions ? Self.shift(of: own) : fallback)
            member.teams = groups
            members.append(member)
        }
        return ServiceNowStaff(teams: teams, members: members)
    }

    /// `nil` for the data set's unknown value `?` and empty fields.
    static func known(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed == "?" ? nil : trimmed
    }

    /// Working hours from the moments someone acted: the shortest run of whole hours (UTC, it may
    /// pass midnight) that holds ``hoursShare`` of them, widened to ``shortestDay`` hours; Monday to Friday when fewer than
    /// ``weekendShare`` fell on a weekend, else every day; `always` when the run is 20 hours or more.
    static func shift(of moments: [Timestamp]) -> Shift {
        guard !moments.isEmpty else { return .always }
        var hours = Array(repeating: 0, count: 24)
        var weekend = 0
        for moment in moments {
            let ms = moment.milliseconds
            let day = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
            let hour = Int((ms - day * 86_400_000) / 3_600_000)
            hours[hour] += 1
            // Day 0 (1970-01-01) was a Thursday: weekday 4, Saturday 6, Sunday 0.
            let weekday = Int(((day % 7) + 7 + 4) % 7)
            if weekday == 0 || weekday == 6 { weekend += 1 }
        }
        let needed = Int((Double(moments.count) * hoursShare).rounded(.up))
        var best: (start: Int, length: Int)?
        for length in 1...24 {
            for start in 0..<24 {
                let total = (0..<length).reduce(0) { $0 + hours[(start + $1) % 24] }
                if total >= needed {
                    best = (start, length)
                    break
                }
            }
            if best != nil { break }
        }
        guard var best, best.length < 20 else { return .always }
        if best.length < shortestDay {
            // Few actions fit in a few hours, but nobody works only those: widened around them.
            best.start = (best.start - (shortestDay - best.length) / 2 + 24) % 24
            best.length = shortestDay
        }
        let end = (best.start + best.length) % 24
        let weekdays = Double(weekend) < Double(moments.count) * weekendShare ? [1, 2, 3, 4, 5] : nil
        return Shift(start: best.start * 60, end: end * 60, days: weekdays)
    }
}
