internal import Foundation
public import SwarmCore
public import SwarmProtocol

/// A ServiceNow incident event log (the public data set "Incident management process enriched
/// event log"), translated into the events a tiered hub would have logged for the same incidents,
/// and into a simulator workload of them. docs/import.md describes every rule.
public struct ServiceNowImport: Sendable {
    /// The queue the imported tickets are in.
    public static let queue = "servicenow"
    /// The highest tier a group change reaches: tier 1 at opening, one tier up per change of
    /// `assignment_group`, then changes between tier-3 groups (tier 4 is for named vendors).
    public static let topTier = 3
    /// Workload effort is clamped to this range of minutes.
    public static let effortRange = 5...480
    /// Gaps between two updates of an incident up to this long count as hands-on work.
    public static let workGapMinutes: Int64 = 60
    /// The actor of events whose ServiceNow user is unknown (`?`).
    public static let unknownActor = "unknown"
    /// The requester of incidents whose caller is unknown.
    public static let unknownCaller = "caller-unknown"

    public var file: String
    /// Data rows read (not counting the header and blank lines).
    public var rowsRead: Int
    /// The malformed rows, skipped, in line order.
    public var problems: [LineProblem]
    /// Incident numbers whose every row was malformed (skipped).
    public var skippedIncidents: [String]
    /// The incidents translated, in the order they first appear in the file.
    public var incidents: [ServiceNowIncident]
    /// The events of every incident, in time order (ties keep each incident's own order).
    public var events: [SwarmEvent]
    /// Rows stamped before the update before them (or before the incident was opened): their time
    /// is taken as that earlier time.
    public var lateRows: Int
    /// Late rows whose state would have reopened a resolved or closed incident: that state is ignored.
    public var ignoredStates: Int
    /// Each incident's rows in update order, as `incidents` (for the staff inference).
    var rowsByIncident: [[ServiceNowRow]] = []

    /// The staff the log shows (``ServiceNowStaff``); skills from `taxonomy`'s categories.
    public func staff(taxonomy: Taxonomy) -> ServiceNowStaff {
        ServiceNowStaff.infer(rowsByIncident, taxonomy: taxonomy)
    }

    /// One workload item per incident, in arrival order.
    public var workload: [WorkloadItem] { Workload.sortedByArrival(incidents.map(\.workloadItem)) }

    /// Reads and translates a log; throws when the file is unusable as a whole (empty, not CSV,
    /// not this format, or no row is usable). Malformed rows are skipped and listed in `problems`.
    public static func parse(_ text: String, file: String) throws(InputFileError) -> ServiceNowImport {
        let read = try ServiceNowLog.read(text, file: file)
        var order: [String] = []
        var byNumber: [String: [ServiceNowRow]] = [:]
        for row in read.rows {
            if byNumber[row.number] == nil { order.append(row.number) }
            byNumber[row.number, default: []].append(row)
        }
        guard !order.isEmpty else {
            let message =
                read.rowsRead == 0
                ? "no rows after the header: the log has no incidents"
                : "no usable rows: all \(read.rowsRead) rows are malformed"
            throw InputFileError(file: file, problems: [LineProblem(line: 1, message: message)] + read.problems)
        }
        let ids = ticketIDs(for: order)
        var incidents: [ServiceNowIncident] = []
        var timed: [(at: Timestamp, incident: Int, index: Int, event: SwarmEvent)] = []
        var lateRows = 0
        var ignoredStates = 0
        var rowsByIncident: [[ServiceNowRow]] = []
        for (position, number) in order.enumerated() {
            let rows = (byNumber[number] ?? []).sorted(by: Self.updateOrder)
            rowsByIncident.append(rows)
            var translation = Translation(rows: rows, ticket: ids[position])
            translation.run()
            incidents.append(translation.incident)
            lateRows += translation.lateRows
            ignoredStates += translation.ignoredStates
            for (index, event) in translation.events.enumerated() {
                timed.append((event.at, position, index, event))
            }
        }
        timed.sort { ($0.at, $0.incident, $0.index) < ($1.at, $1.incident, $1.index) }
        return ServiceNowImport(
            file: file, rowsRead: read.rowsRead, problems: read.problems, skippedIncidents: read.numbersOfBadRows,
            incidents: incidents, events: timed.map(\.event), lateRows: lateRows, ignoredStates: ignoredStates,
            rowsByIncident: rowsByIncident)
    }

    /// Reads and translates a log file.
    public static func load(path: String) throws(InputFileError) -> ServiceNowImport {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputFileError(file: path, problems: [LineProblem(line: 0, message: "is a directory, not a file")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputFileError(file: path, problems: [LineProblem(line: 0, message: "cannot read the file")])
        }
        let text = data.withUnsafeBytes { String(decoding: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
        return try parse(text, file: path)
    }

    /// The order of one incident's rows: by its counters, which only grow (`reassignment_count`,
    /// `reopen_count`, `sys_mod_count`), then by `sys_updated_at`, then by line. The counters come
    /// first because the data set has rows whose `sys_mod_count` repeats or whose time lies before
    /// the incident was opened; the growing counters still place them.
    static func updateOrder(_ a: ServiceNowRow, _ b: ServiceNowRow) -> Bool {
        (a.reassignmentCount, a.reopenCount, a.modCount, a.updatedAt, a.line)
            < (b.reassignmentCount, b.reopenCount, b.modCount, b.updatedAt, b.line)
    }

    /// `T-45` for `INC0000045`: the number's trailing digits when they are unique; incidents
    /// without usable digits get the numbers after the highest one.
    static func ticketIDs(for numbers: [String]) -> [String] {
        var used = Set<Int>()
        var candidates: [Int?] = []
        for number in numbers {
            let digits = number.reversed().prefix { $0.isASCII && $0.isNumber }.reversed()
            if (1...9).contains(digits.count), let value = Int(String(digits)), value > 0, used.insert(value).inserted {
                candidates.append(value)
            } else {
                candidates.append(nil)
            }
        }
        var next = (used.max() ?? 0) + 1
        return candidates.map { candidate in
            if let candidate { return Ticket.id(number: candidate) }
            defer { next += 1 }
            return Ticket.id(number: next)
        }
    }

    /// A ServiceNow user (`Caller 2403`, `Opened by  8`, `Resolver 170`) as an agent id
    /// (`caller-2403`, `opened-by-8`, `resolver-170`): lowercase ASCII letters and digits, every
    /// other run of characters one `-`, at most 64 characters. `nil` for `?` and names with nothing
    /// usable.
    public static func agentID(_ name: String) -> String? {
        var id: [UInt8] = []
        id.reserveCapacity(min(name.utf8.count, Limits.agentLength.upperBound))
        var pendingDash = false
        for byte in name.utf8 {
            let lower = (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
            if (0x61...0x7A).contains(lower) || (0x30...0x39).contains(lower) {
                let dash = pendingDash && !id.isEmpty
                guard id.count + (dash ? 2 : 1) <= Limits.agentLength.upperBound else { break }
                if dash { id.append(UInt8(ascii: "-")) }
                pendingDash = false
                id.append(lower)
            } else {
                pendingDash = true
            }
        }
        guard !id.isEmpty else { return nil }
        let text = String(decoding: id, as: UTF8.self)
        return text == SwarmState.systemActor ? "servicenow-\(text)" : text
    }

    /// ServiceNow's anonymised `Category N` onto the hub's categories: a category already named
    /// like one of ours is that one; otherwise the number N picks `hardware`, `software`, `service`,
    /// `network`, `access` by N mod 5 (the same N always gives the same category, in every file);
    /// no number (or `?`) is `other`.
    public static func category(_ text: String) -> Category {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let named = Category(rawValue: lowered) { return named }
        let digits = lowered.reversed().prefix { $0.isASCII && $0.isNumber }.reversed()
        guard !digits.isEmpty, let value = Int(String(digits.suffix(9))) else { return .other }
        let cycle: [Category] = [.hardware, .software, .service, .network, .access]
        return cycle[value % cycle.count]
    }

    /// The shortest legal path through the status machine (``TicketStatus/allowedNext``) from one
    /// status to another, without the start: `resolved` → `in_progress` is `[open, in_progress]`.
    static func path(from start: TicketStatus, to goal: TicketStatus) -> [TicketStatus] {
        guard start != goal else { return [] }
        var previous: [TicketStatus: TicketStatus] = [start: start]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let status = queue[head]
            head += 1
            for next in status.allowedNext where previous[next] == nil {
                previous[next] = status
                if next == goal {
                    var path = [goal]
                    var step = status
                    while step != start {
                        path.append(step)
                        step = previous[step] ?? start
                    }
                    return path.reversed()
                }
                queue.append(next)
            }
        }
        return []
    }
}

/// One incident: what the import made of it, and what the source system said about it.
public struct ServiceNowIncident: Sendable, Hashable {
    /// The ServiceNow number, `INC0000045`.
    public var number: String
    /// The ticket id of its events, `T-45`.
    public var ticket: String
    /// Its rows in the file (after the malformed ones were dropped).
    public var rows: Int
    public var openedAt: Timestamp
    /// The time of its last update (after late rows were moved up to the update before them).
    public var lastUpdate: Timestamp
    public var category: Category
    public var urgency: Level
    public var impact: Level
    /// Its status at the end of the log.
    public var status: TicketStatus
    /// When it was last resolved, if it is resolved or closed at the end.
    public var resolvedAt: Timestamp?
    /// Changes of `assignment_group`: the hand-offs between tiers (`ticket.escalated`).
    public var groupChanges: Int
    /// Changes of `assigned_to` within a group while open: an owner replaced (`owner.removed`).
    public var ownerChanges: Int
    /// Times it went from resolved or closed back to open.
    public var reopens: Int
    /// Whether a row said `made_sla` FALSE (an `sla.breached` of the resolution target).
    public var breached: Bool
    /// Estimated minutes of hands-on work (docs/import.md, "Effort").
    public var effortMinutes: Int
    /// The source's own figures: the highest `reassignment_count` and `reopen_count` of its rows,
    /// and `made_sla` on its last row (`nil` when unknown).
    public var sourceReassignments: Int
    public var sourceReopens: Int
    public var sourceMadeSLA: Bool?
    /// `knowledge` on its last row: whether a knowledge article was used (`nil` when unknown). An
    /// incident solved without one is a *new issue* in the Consortium for Service Innovation's sense.
    public var knowledgeUsed: Bool? = nil

    /// The incident as a simulator workload item.
    public var workloadItem: WorkloadItem {
        WorkloadItem(
            id: number, arrival: openedAt, category: category, urgency: urgency, impact: impact, skills: [],
            effortMinutes: effortMinutes, queue: ServiceNowImport.queue)
    }
}

/// The translation of one incident's rows (in update order) into events.
struct Translation {
    let rows: [ServiceNowRow]
    let id: String
    private(set) var events: [SwarmEvent] = []
    private(set) var incident: ServiceNowIncident
    private(set) var lateRows = 0
    private(set) var ignoredStates = 0

    private var status = TicketStatus.new
    private var tier = 1
    private var owners: [String] = []
    /// The index in `events` of the event that last made the ticket resolved or closed.
    private var finishedAt: Int?
    private var workMilliseconds: Int64 = 0

    init(rows: [ServiceNowRow], ticket id: String) {
        precondition(!rows.isEmpty, "an incident has at least one row")
        self.rows = rows
        self.id = id
        let first = rows[0]
        incident = ServiceNowIncident(
            number: first.number, ticket: id, rows: rows.count, openedAt: first.openedAt, lastUpdate: first.openedAt,
            category: ServiceNowImport.category(first.category), urgency: first.urgency, impact: first.impact,
            status: .new, resolvedAt: nil, groupChanges: 0, ownerChanges: 0, reopens: 0, breached: false,
            effortMinutes: ServiceNowImport.effortRange.lowerBound,
            sourceReassignments: rows.map(\.reassignmentCount).max() ?? 0,
            sourceReopens: rows.map(\.reopenCount).max() ?? 0, sourceMadeSLA: rows[rows.count - 1].madeSLA,
            knowledgeUsed: rows[rows.count - 1].knowledge)
    }

    private mutating func emit(_ at: Timestamp, _ actor: String, _ payload: EventPayload) {
        events.append(SwarmEvent(ticket: id, actor: actor, at: at, payload: payload))
    }

    mutating func run() {
        let first = rows[0]
        let openedAt = first.openedAt
        let requester = ServiceNowImport.agentID(first.caller) ?? ServiceNowImport.unknownCaller
        var ticket = Ticket(
            id: id, title: String(first.number.prefix(Limits.titleLength.upperBound)),
            description: String(
                "ServiceNow incident \(first.number): \(first.category), assignment group \(first.group)"
                    .prefix(1000)),
            requester: requester, category: incident.category, urgency: first.urgency, impact: first.impact,
            queue: ServiceNowImport.queue, skills: [], openedAt: openedAt)
        ticket.mode = .tiered
        ticket.tier = 1
        ticket.tierSince = openedAt
        ticket.assignee = ServiceNowImport.agentID(first.assignedTo)
        emit(openedAt, ServiceNowImport.agentID(first.openedBy) ?? requester, .ticketOpened(ticket))

        var group = first.group
        var holder: String?
        var last = openedAt
        for (index, row) in rows.enumerated() {
            let late = row.updatedAt < last
            if late { lateRows += 1 }
            let at = max(row.updatedAt, last)
            if !(status.isDone || status == .waiting),
                at.milliseconds - last.milliseconds <= ServiceNowImport.workGapMinutes * 60_000
            {
                workMilliseconds += at.milliseconds - last.milliseconds
            }
            last = at
            let actor = ServiceNowImport.agentID(row.updatedBy) ?? ServiceNowImport.unknownActor
            let target = Self.status(of: row.state, current: status)
            let reopening = status.isDone && target != status
            if reopening {
                // A row stamped before the update before it cannot undo a resolution: it is an
                // earlier update filed out of order (its other fields still count).
                if late {
                    ignoredStates += 1
                } else {
                    move(to: target, at: at, by: actor, row: row)
                }
            }
            var handedOff = false
            if index > 0 && row.group != group {
                let to = min(tier + 1, ServiceNowImport.topTier)
                let reason = "assignment group '\(group.prefix(200))' → '\(row.group.prefix(200))'"
                emit(
                    at, actor,
                    .ticketEscalated(
                        Escalation(
                            from: tier, to: to, auto: false, reason: reason,
                            assignee: ServiceNowImport.agentID(row.assignedTo))))
                tier = to
                group = row.group
                incident.groupChanges += 1
                handedOff = true
            }
            let person = ServiceNowImport.agentID(row.assignedTo)
            if person != holder {
                if let person, !owners.contains(person) {
                    emit(at, actor, .ownerAdded(agent: person))
                    owners.append(person)
                }
                // Within a group, a new assignee replaces the previous one: an owner change. Across
                // groups the escalation is the hand-off, and the previous tier's owner stays listed.
                if !handedOff, let holder, let position = owners.firstIndex(of: holder) {
                    if !status.isDone { incident.ownerChanges += 1 }
                    emit(at, actor, .ownerRemoved(agent: holder))
                    owners.remove(at: position)
                }
                holder = person
            }
            if !reopening { move(to: target, at: at, by: actor, row: row) }
            if row.madeSLA == false && !incident.breached { breach(at: at) }
        }
        incident.lastUpdate = last
        incident.status = status
        let minutes = Int(workMilliseconds / 60_000)
        incident.effortMinutes = min(
            max(minutes, ServiceNowImport.effortRange.lowerBound), ServiceNowImport.effortRange.upperBound)
    }

    /// Moves the ticket to `target` through legal steps, each a `status.changed`.
    private mutating func move(to target: TicketStatus, at: Timestamp, by actor: String, row: ServiceNowRow) {
        for next in ServiceNowImport.path(from: status, to: target) {
            let resolution = next == .resolved ? Self.resolution(of: row) : nil
            emit(at, actor, .statusChanged(from: status, to: next, resolution: resolution))
            if next == .open && status.isDone {
                incident.reopens += 1
                incident.resolvedAt = nil
            }
            if next.isDone && !status.isDone { finishedAt = events.count - 1 }
            if next == .resolved || (next == .closed && incident.resolvedAt == nil) { incident.resolvedAt = at }
            status = next
        }
    }

    /// `made_sla` FALSE: a breach of the resolution target. The data set flips the flag only when
    /// the incident is closed, days after it was resolved; a resolution target is missed before
    /// the resolution, so a breach first seen on a finished incident is placed at the moment it was
    /// last resolved (just before that event), otherwise at the row.
    private mutating func breach(at: Timestamp) {
        incident.breached = true
        if status.isDone, let index = finishedAt {
            let when = events[index].at
            events.insert(
                SwarmEvent(
                    ticket: id, actor: SwarmState.systemActor, at: when,
                    payload: .slaBreached(target: .resolution, due: when)), at: index)
            finishedAt = index + 1
        } else {
            emit(at, SwarmState.systemActor, .slaBreached(target: .resolution, due: at))
        }
    }

    /// The hub status of a ServiceNow state; `New` after the ticket left `new` is `open` (the hub
    /// has no way back to `new`).
    static func status(of state: ServiceNowState, current: TicketStatus) -> TicketStatus {
        switch state {
        case .new: current == .new ? .new : .open
        case .active: .inProgress
        case .awaiting: .waiting
        case .resolved: .resolved
        case .closed: .closed
        }
    }

    static func resolution(of row: ServiceNowRow) -> String {
        var parts: [String] = []
        if !row.closedCode.isEmpty && row.closedCode != "?" {
            parts.append("close code '\(row.closedCode.prefix(200))'")
        }
        if !row.resolvedBy.isEmpty && row.resolvedBy != "?" {
            parts.append("resolved by '\(row.resolvedBy.prefix(200))'")
        }
        return parts.isEmpty ? "resolved in ServiceNow" : "ServiceNow " + parts.joined(separator: ", ")
    }
}
