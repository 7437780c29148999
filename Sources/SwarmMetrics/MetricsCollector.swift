public import SwarmCore
public import SwarmProtocol

/// Which tickets a report counts and when it is taken: tickets opened at or after `from` and before
/// `to`, of one queue, mode or priority if given, as of `to` (or the last event).
public struct MetricsQuery: Sendable, Hashable {
    public var from: Timestamp?
    public var to: Timestamp?
    public var queue: String?
    public var mode: RoutingMode?
    public var priority: Priority?

    public init(
        from: Timestamp? = nil, to: Timestamp? = nil, queue: String? = nil, mode: RoutingMode? = nil,
        priority: Priority? = nil
    ) {
        self.from = from
        self.to = to
        self.queue = queue
        self.mode = mode
        self.priority = priority
    }
}

/// The metrics of docs/metrics.md as a pure fold over the event log (invariant 5): feed it every
/// event in log order, then ask for reports. The same events give the same report, whether they
/// come from the hub's log, a simulation or an imported history.
///
/// It keeps, per ticket, the timestamped facts the definitions need (not the ticket's state), so a
/// report can be taken as of any instant without reading the log again.
public struct MetricsCollector: Sendable {
    /// The last `seq` added (0 before any).
    public private(set) var seq: Int64 = 0
    /// The time of the latest event added.
    public private(set) var lastEventAt: Timestamp?
    /// The number of events added.
    public private(set) var eventCount = 0
    var tickets: [String: TicketFacts] = [:]
    /// Ticket ids in the order they opened (the log's order).
    var order: [String] = []
    /// Agent → times their presence changed, with whether they were then available.
    var availability: [String: [(at: Timestamp, available: Bool)]] = [:]

    public init() {}

    /// Adds one event, in log order; `seq` is its place in the log, when it has one.
    public mutating func add(_ event: SwarmEvent, seq: Int64? = nil) {
        if let seq { self.seq = max(self.seq, seq) }
        eventCount += 1
        if lastEventAt.map({ event.at > $0 }) ?? true { lastEventAt = event.at }
        switch event.payload {
        case .ticketOpened(let ticket):
            guard tickets[ticket.id] == nil else { return }
            var facts = TicketFacts(ticket)
            if let assignee = ticket.assignee { facts.worked(assignee, at: event.at, owns: true) }
            tickets[ticket.id] = facts
            order.append(ticket.id)
            return
        case .presenceChanged(let agent, let status, _):
            let available = status == .available || status == .busy
            if availability[agent]?.last?.available != available {
                availability[agent, default: []].append((event.at, available))
            }
            return
        default:
            break
        }
        guard let id = event.ticket, var facts = tickets.removeValue(forKey: id) else { return }
        defer { tickets[id] = facts }
        facts.add(event)
    }

    /// Adds events in order, numbering them from `seq + 1`.
    public mutating func add(_ events: some Sequence<SwarmEvent>) {
        for event in events { add(event, seq: seq + 1) }
    }

    /// The report for `query` (docs/metrics.md), taken at `query.to`, else at `now` (a live hub's
    /// clock: the backlog keeps ageing between events), else at the last event.
    public func report(_ query: MetricsQuery = MetricsQuery(), now: Timestamp? = nil) -> MetricsReport {
        let latest = lastEventAt ?? Timestamp(milliseconds: 0)
        let asOf = query.to ?? now.map { max($0, latest) } ?? latest
        var views: [TicketView] = []
        for id in order {
            guard let facts = tickets[id] else { continue }
            if let from = query.from, facts.openedAt < from { continue }
            if facts.openedAt > asOf || (query.to != nil && facts.openedAt >= asOf) { continue }
            if let queue = query.queue, facts.queue != queue { continue }
            if let mode = query.mode, facts.mode != mode { continue }
            if let priority = query.priority, facts.priority != priority { continue }
            views.append(TicketView(facts, asOf: asOf))
        }
        let start = query.from ?? views.first?.openedAt ?? asOf
        let bucket = Self.bucket(from: start, to: asOf)
        let modes = query.mode.map { [$0] } ?? RoutingMode.allCases
        var report = MetricsReport(
            seq: seq, asOf: asOf, from: query.from, to: query.to, queue: query.queue, mode: query.mode,
            priority: query.priority, timelineBucket: bucket)
        let windowStart = query.from ?? views.first?.openedAt ?? asOf
        report.modes = modes.map { mode in
            let ofMode = views.filter { $0.mode == mode }
            return ModeMetrics(
                mode: mode, figures: figures(ofMode, asOf: asOf, windowStart: windowStart, bucket: bucket))
        }
        report.byVia = Via.allCases.map { via in
            let cameIn = views.filter { $0.via == via }
            return ViaMetrics(via: via, figures: figures(cameIn, asOf: asOf, windowStart: windowStart, bucket: bucket))
        }
        report.agents = agentMetrics(views, asOf: asOf, windowStart: windowStart)
        return report
    }

    /// Hours for up to three days, days for up to 120, weeks beyond.
    static func bucket(from start: Timestamp, to end: Timestamp) -> TimelineBucket {
        let span = end.milliseconds - start.milliseconds
        if span <= 3 * TimelineBucket.day.milliseconds { return .hour }
        if span <= 120 * TimelineBucket.day.milliseconds { return .day }
        return .week
    }

    /// The upper bounds (minutes) and labels of the time-to-resolve histogram; the last bin is open.
    static let resolveBins: [(upTo: Int, label: String)] = [
        (15, "≤15m"), (60, "≤1h"), (240, "≤4h"), (480, "≤8h"), (1440, "≤1d"), (4320, "≤3d"), (10080, "≤1w"),
    ]

    /// The figures of `views`: one mode's tickets, or those that came in one way.
    private func figures(
        _ views: [TicketView], asOf: Timestamp, windowStart: Timestamp, bucket: TimelineBucket
    ) -> TicketFigures {
        var m = TicketFigures()
        m.opened = views.count
        let done = views.filter(\.isDone)
        m.resolved = done.count
        let open = views.filter { !$0.isDone }
        m.backlog = open.count
        m.backlogAge = Self.stat(open.map { minutes(from: $0.openedAt, to: asOf) })
        m.firstResponse = Self.stat(
            views.compactMap { v in v.firstResponseAt.map { minutes(from: v.openedAt, to: $0) } })
        m.resolve = Self.stat(done.compactMap { v in v.doneAt.map { minutes(from: v.openedAt, to: $0) } })
        m.tierChanges = views.reduce(0) { $0 + $1.tierChanges }
        m.ownerChanges = views.reduce(0) { $0 + $1.ownerChanges }
        m.handoffs = m.tierChanges + m.ownerChanges
        m.handoffsPerTicket = Self.ratio(Double(m.handoffs), views.count)
        m.agentsPerTicket = Self.ratio(Double(views.reduce(0) { $0 + $1.agents.count }), views.count)
        m.collaborationRate = Self.ratio(Double(views.count { $0.agents.count > 1 }), views.count)
        m.firstContactResolutionRate = Self.ratio(
            Double(done.filter { $0.handoffs == 0 && $0.escalations == 0 && $0.reopens == 0 }.count), done.count)
        let everResolved = views.filter(\.everResolved)
        m.reopenRate = Self.ratio(Double(everResolved.filter { $0.reopens > 0 }.count), everResolved.count)
        m.escalationRate = Self.ratio(Double(views.filter { $0.escalations > 0 }.count), views.count)
        m.slaBreachRate = Self.ratio(Double(views.filter { !$0.breaches.isEmpty }.count), views.count)
        m.deflectionRate = Self.ratio(Double(done.filter(\.deflected).count), views.count)
        m.effortMinutes = views.reduce(0) { $0 + $1.effortMinutes }
        m.effortPerTicket = Self.ratio(Double(m.effortMinutes), views.count)
        var workers = Set<String>()
        for view in views { for (agent, minutes) in view.effortByAgent where minutes > 0 { workers.insert(agent) } }
        // Summed in agent order: a `Set`'s order changes from process to process, and so would the
        // last digit of a floating-point sum.
        let available = workers.sorted().reduce(0.0) { $0 + availableMinutes($1, from: windowStart, to: asOf) }
        m.utilisation = available > 0 ? Double(m.effortMinutes) / available : nil

        var bins = [Int](repeating: 0, count: Self.resolveBins.count + 1)
        for view in done {
            guard let doneAt = view.doneAt else { continue }
            let taken = minutes(from: view.openedAt, to: doneAt)
            let index = Self.resolveBins.firstIndex { taken <= Double($0.upTo) } ?? Self.resolveBins.count
            bins[index] += 1
        }
        m.resolveHistogram =
            Self.resolveBins.enumerated().map { HistogramBin(label: $1.label, upTo: $1.upTo, count: bins[$0]) }
            + [HistogramBin(label: ">1w", upTo: nil, count: bins[Self.resolveBins.count])]
        var handoffBins = [0, 0, 0, 0]
        for view in views { handoffBins[min(view.handoffs, 3)] += 1 }
        m.handoffHistogram = (0...3).map {
            HandoffBin(handoffs: $0, orMore: $0 == 3 ? true : nil, count: handoffBins[$0])
        }
        m.timeline = timeline(views, from: windowStart, to: asOf, bucket: bucket)
        return m
    }

    private func timeline(_ views: [TicketView], from: Timestamp, to: Timestamp, bucket: TimelineBucket)
        -> [TimelinePoint]
    {
        let width = bucket.milliseconds
        let remainder = from.milliseconds % width
        let first = from.milliseconds - (remainder < 0 ? remainder + width : remainder)
        let count = Int(max(0, to.milliseconds - first) / width) + 1
        // At most 500 points: the latest ones.
        let skip = max(0, count - 500)
        var points = (skip..<count).map { TimelinePoint(start: Timestamp(milliseconds: first + Int64($0) * width)) }
        var backlogDelta = [Int](repeating: 0, count: count)
        func index(_ at: Timestamp) -> Int? {
            let i = Int((at.milliseconds - first) / width)
            return at.milliseconds >= first && i < count ? i : nil
        }
        func bump(_ at: Timestamp, _ change: (inout TimelinePoint) -> Void) {
            if let i = index(at), i >= skip { change(&points[i - skip]) }
        }
        for view in views {
            bump(view.openedAt) { $0.opened += 1 }
            if let doneAt = view.doneAt, view.isDone { bump(doneAt) { $0.resolved += 1 } }
            for breach in view.breaches { bump(breach) { $0.breaches += 1 } }
            // The backlog counts a ticket from its opening until it is done, again after a reopen.
            let opened = index(view.openedAt) ?? 0
            backlogDelta[opened] += 1
            for (at, isDone) in view.transitions {
                guard let i = index(at) else { continue }
                backlogDelta[i] += isDone ? -1 : 1
            }
        }
        var running = 0
        for i in 0..<count {
            running += backlogDelta[i]
            if i >= skip { points[i - skip].backlog = running }
        }
        return points
    }

    private func agentMetrics(_ views: [TicketView], asOf: Timestamp, windowStart: Timestamp) -> [AgentMetrics] {
        var byAgent: [String: AgentMetrics] = [:]
        for view in views {
            for agent in view.agents {
                var a = byAgent[agent] ?? AgentMetrics(agent: agent)
                let owns = view.owners.contains(agent)
                let minutes = view.effort(of: agent)
                a.tickets += 1
                if owns { a.owned += 1 } else { a.contributedTickets += 1 }
                if view.isDone { a.resolved += 1 }
                a.effortMinutes += minutes
                if !owns { a.contributionMinutes += minutes }
                byAgent[agent] = a
            }
        }
        return byAgent.values.sorted { $0.agent < $1.agent }.map { agent in
            var a = agent
            let available = availableMinutes(a.agent, from: windowStart, to: asOf)
            a.utilisation = available > 0 ? Double(a.effortMinutes) / available : nil
            return a
        }
    }

    /// Minutes the agent was available or busy between `from` and `to`.
    func availableMinutes(_ agent: String, from: Timestamp, to: Timestamp) -> Double {
        guard let changes = availability[agent] else { return 0 }
        var total: Int64 = 0
        var since: Timestamp?
        for change in changes {
            if change.at > to { break }
            if change.available {
                since = since ?? change.at
            } else if let start = since {
                total += max(0, change.at.milliseconds - max(start, from).milliseconds)
                since = nil
            }
        }
        if let start = since { total += max(0, to.milliseconds - max(start, from).milliseconds) }
        return Double(total) / 60_000
    }

    /// Count, median (the middle value, or the mean of the two middle ones), 90th percentile (nearest
    /// rank) and mean.
    static func stat(_ values: [Double]) -> DurationStat {
        guard !values.isEmpty else { return DurationStat(count: 0) }
        let sorted = values.sorted()
        let n = sorted.count
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        let rank = Int((0.9 * Double(n)).rounded(.up))
        let p90 = sorted[max(0, min(n, rank) - 1)]
        return DurationStat(count: n, median: median, p90: p90, mean: sorted.reduce(0, +) / Double(n))
    }

    static func ratio(_ numerator: Double, _ denominator: Int) -> Double? {
        denominator > 0 ? numerator / Double(denominator) : nil
    }
}

private func minutes(from start: Timestamp, to end: Timestamp) -> Double {
    Double(end.milliseconds - start.milliseconds) / 60_000
}

/// What the metrics need of one ticket, each fact with its time.
struct TicketFacts: Sendable {
    var openedAt: Timestamp
    var queue: String
    var mode: RoutingMode
    var priority: Priority
    var requester: String
    var via: Via
    /// Status changes into or out of done (resolved or closed), with whether it is done afterwards.
    var transitions: [(at: Timestamp, done: Bool)] = []
    var reopens: [Timestamp] = []
    var firstResponseAt: Timestamp?
    var tierChanges: [Timestamp] = []
    var ownerChanges: [Timestamp] = []
    var escalations: [Timestamp] = []
    var breaches: [Timestamp] = []
    /// kb.applied with `deflected`, cleared by a reopen (its time).
    var deflections: [Timestamp] = []
    /// Agent → when they first worked it, and when they first owned it (or were assigned).
    /// (Reports treat whoever resolved a ticket nobody owned as its owner.)
    var worked: [(agent: String, at: Timestamp)] = []
    var owned: [(agent: String, at: Timestamp)] = []
    /// The time of its latest event: a report as of this or later needs no filtering.
    var latest: Timestamp
    var work: [(agent: String, at: Timestamp, minutes: Int)] = []
    /// Who moved it to done, each time (an agent, not the requester or the hub).
    var finishers: [(agent: String, at: Timestamp)] = []
    var isDone = false

    init(_ ticket: Ticket) {
        openedAt = ticket.openedAt
        latest = ticket.openedAt
        queue = ticket.queue
        mode = ticket.mode
        priority = ticket.priority
        requester = ticket.requester
        via = ticket.via
    }

    mutating func worked(_ agent: String, at: Timestamp, owns: Bool = false) {
        guard agent != requester, agent != SwarmState.systemActor else { return }
        if !worked.contains(where: { $0.agent == agent }) { worked.append((agent, at)) }
        if owns, !owned.contains(where: { $0.agent == agent }) { owned.append((agent, at)) }
    }

    mutating func add(_ event: SwarmEvent) {
        let at = event.at
        if at > latest { latest = at }
        let person = event.actor != requester && event.actor != SwarmState.systemActor
        switch event.payload {
        case .commentAdded, .helpRequested, .kbApplied:
            if person, firstResponseAt == nil, case .commentAdded = event.payload { firstResponseAt = at }
            worked(event.actor, at: at)
            if case .kbApplied(_, true) = event.payload { deflections.append(at) }
        case .statusChanged(let from, let to, _):
            if person, firstResponseAt == nil { firstResponseAt = at }
            worked(event.actor, at: at)
            if to.isDone != from.isDone {
                if to.isDone && person { finishers.append((event.actor, at)) }
                transitions.append((at, to.isDone))
                isDone = to.isDone
                if from.isDone { reopens.append(at) }
            }
        case .swarmJoined(let agent):
            worked(agent, at: at)
        case .ownerAdded(let agent):
            worked(agent, at: at, owns: true)
        case .ownerRemoved:
            if !isDone { ownerChanges.append(at) }
        case .ticketEscalated(let escalation):
            escalations.append(at)
            worked(event.actor, at: at)
            if !escalation.swarm { tierChanges.append(at) }
            if let assignee = escalation.assignee { worked(assignee, at: at, owns: true) }
        case .slaBreached:
            breaches.append(at)
        case .workLogged(let agent, let minutes, _):
            worked(agent, at: at)
            work.append((agent, at, minutes))
        default:
            break
        }
    }
}

/// One ticket's facts as of an instant. A class: reports filter and pass views around many times,
/// and copying a struct of arrays cost a retain per array each time (half a report's time).
final class TicketView {
    let mode: RoutingMode
    let via: Via
    let openedAt: Timestamp
    let isDone: Bool
    let doneAt: Timestamp?
    let transitions: [(at: Timestamp, done: Bool)]
    let firstResponseAt: Timestamp?
    let everResolved: Bool
    let reopens: Int
    let tierChanges: Int
    let ownerChanges: Int
    let escalations: Int
    let breaches: [Timestamp]
    let deflected: Bool
    /// Agents who worked it, in the order they first did.
    let agents: [String]
    /// Who carried it: its owners and assignees; for a ticket nobody owned, whoever resolved it.
    let owners: [String]
    /// Minutes logged, by agent, in the order they first logged.
    let effortByAgent: [(agent: String, minutes: Int)]
    let effortMinutes: Int

    var handoffs: Int { tierChanges + ownerChanges }

    func effort(of agent: String) -> Int { effortByAgent.first { $0.agent == agent }?.minutes ?? 0 }

    init(_ facts: TicketFacts, asOf: Timestamp) {
        // Reports of the whole log (the live hub's) take every fact as it is, without filtering.
        let all = facts.latest <= asOf
        func upTo(_ times: [Timestamp]) -> [Timestamp] { all ? times : times.filter { $0 <= asOf } }
        func count(_ times: [Timestamp]) -> Int { all ? times.count : times.count { $0 <= asOf } }
        mode = facts.mode
        via = facts.via
        openedAt = facts.openedAt
        transitions = all ? facts.transitions : facts.transitions.filter { $0.at <= asOf }
        isDone = transitions.last?.done ?? false
        doneAt = isDone ? transitions.last?.at : nil
        firstResponseAt = facts.firstResponseAt.flatMap { $0 <= asOf ? $0 : nil }
        everResolved = transitions.contains { $0.done }
        let reopenTimes = upTo(facts.reopens)
        reopens = reopenTimes.count
        tierChanges = count(facts.tierChanges)
        ownerChanges = count(facts.ownerChanges)
        escalations = count(facts.escalations)
        breaches = upTo(facts.breaches)
        // A deflection counts if no reopen came after it.
        let lastDeflection = upTo(facts.deflections).last
        deflected = isDone && lastDeflection.map { d in !reopenTimes.contains { $0 > d } } == true
        agents = facts.worked.compactMap { all || $0.at <= asOf ? $0.agent : nil }
        var carried = facts.owned.compactMap { all || $0.at <= asOf ? $0.agent : nil }
        if carried.isEmpty, let finisher = facts.finishers.last(where: { $0.at <= asOf }) {
            carried.append(finisher.agent)
        }
        owners = carried
        var effort: [(agent: String, minutes: Int)] = []
        var total = 0
        for entry in facts.work where all || entry.at <= asOf {
            if let index = effort.firstIndex(where: { $0.agent == entry.agent }) {
                effort[index].minutes += entry.minutes
            } else {
                effort.append((entry.agent, entry.minutes))
            }
            total += entry.minutes
        }
        effortByAgent = effort
        effortMinutes = total
    }
}
