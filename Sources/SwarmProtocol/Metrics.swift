/// `work.log {ticket, minutes, note?}`: the sender spent `minutes` on the ticket.
public struct WorkLog: Codable, Sendable, Hashable {
    public var ticket: String
    public var minutes: Int
    public var note: String?
    public init(ticket: String, minutes: Int, note: String? = nil) {
        self.ticket = ticket
        self.minutes = minutes
        self.note = note
    }
}

/// What leads read: the figures of every routing mode over the tickets opened in a window, as of a
/// point in the log (docs/metrics.md defines each one). Served by `GET /v1/metrics` and pushed on
/// the `metrics` channel in `metrics.updated` frames.
public struct MetricsReport: Codable, Sendable, Hashable {
    /// The last `seq` of the log the report covers (0 for an empty log or a simulation).
    public var seq: Int64
    /// The instant the figures are taken at: `to`, or the time of the last event covered.
    public var asOf: Timestamp
    /// The window: tickets opened at or after `from` and before `to` are counted.
    public var from: Timestamp?
    public var to: Timestamp?
    /// The filters applied, when any.
    public var queue: String?
    public var mode: RoutingMode?
    public var priority: Priority?
    /// The width of each `timeline` bucket.
    public var timelineBucket: TimelineBucket
    /// One entry per routing mode, in the order swarm, tiered, hybrid (only the filtered one, when filtered).
    public var modes: [ModeMetrics]
    /// Every agent who worked a counted ticket, by id.
    public var agents: [AgentMetrics]
    /// The counted tickets by how they came in, every mode together: one entry per ``Via`` in its
    /// order, each present even with no ticket (reports from before `via` decode as `[]`).
    public var byVia: [ViaMetrics]

    public init(
        seq: Int64, asOf: Timestamp, from: Timestamp? = nil, to: Timestamp? = nil, queue: String? = nil,
        mode: RoutingMode? = nil, priority: Priority? = nil, timelineBucket: TimelineBucket = .hour,
        modes: [ModeMetrics] = [], agents: [AgentMetrics] = [], byVia: [ViaMetrics] = []
    ) {
        self.seq = seq
        self.asOf = asOf
        self.from = from
        self.to = to
        self.queue = queue
        self.mode = mode
        self.priority = priority
        self.timelineBucket = timelineBucket
        self.modes = modes
        self.agents = agents
        self.byVia = byVia
    }

    private enum CodingKeys: String, CodingKey {
        case seq, asOf, from, to, queue, mode, priority, timelineBucket, modes, agents, byVia
    }

    /// Decodes a report; one from a hub older than `via` has no `byVia`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seq = try c.decode(Int64.self, forKey: .seq)
        asOf = try c.decode(Timestamp.self, forKey: .asOf)
        from = try c.decodeIfPresent(Timestamp.self, forKey: .from)
        to = try c.decodeIfPresent(Timestamp.self, forKey: .to)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        mode = try c.decodeIfPresent(RoutingMode.self, forKey: .mode)
        priority = try c.decodeIfPresent(Priority.self, forKey: .priority)
        timelineBucket = try c.decode(TimelineBucket.self, forKey: .timelineBucket)
        modes = try c.decode([ModeMetrics].self, forKey: .modes)
        agents = try c.decode([AgentMetrics].self, forKey: .agents)
        byVia = try c.decodeIfPresent([ViaMetrics].self, forKey: .byVia) ?? []
    }

    /// The figures of one mode, if the report has them.
    public subscript(mode: RoutingMode) -> ModeMetrics? { modes.first { $0.mode == mode } }

    /// The figures of the tickets that came in one way, if the report has them.
    public subscript(via via: Via) -> ViaMetrics? { byVia.first { $0.via == via } }
}

/// The width of a timeline bucket, chosen so a window has at most a few hundred points.
public enum TimelineBucket: String, Codable, Sendable, CaseIterable {
    case hour
    case day
    case week

    /// The bucket's length in milliseconds.
    public var milliseconds: Int64 {
        switch self {
        case .hour: 3_600_000
        case .day: 86_400_000
        case .week: 604_800_000
        }
    }
}

/// A distribution of durations in minutes: how many, median, 90th percentile and mean
/// (the last three absent when there are none).
public struct DurationStat: Codable, Sendable, Hashable {
    public var count: Int
    public var median: Double?
    public var p90: Double?
    public var mean: Double?

    public init(count: Int, median: Double? = nil, p90: Double? = nil, mean: Double? = nil) {
        self.count = count
        self.median = median
        self.p90 = p90
        self.mean = mean
    }
}

/// The figures of a set of counted tickets: one routing mode's (``ModeMetrics``) or the tickets that
/// came in one way (``ViaMetrics``). Rates are fractions from 0 to 1; a figure whose denominator is
/// zero is absent. Durations are minutes.
public struct TicketFigures: Codable, Sendable, Hashable {
    public var opened: Int
    public var resolved: Int
    public var backlog: Int
    public var backlogAge: DurationStat
    public var firstResponse: DurationStat
    public var resolve: DurationStat
    /// Tier changes plus owner changes.
    public var handoffs: Int
    public var handoffsPerTicket: Double?
    public var tierChanges: Int
    public var ownerChanges: Int
    /// Distinct agents who worked a ticket, on average.
    public var agentsPerTicket: Double?
    /// Tickets worked by more than one agent ÷ opened.
    public var collaborationRate: Double?
    public var firstContactResolutionRate: Double?
    public var reopenRate: Double?
    public var escalationRate: Double?
    public var slaBreachRate: Double?
    public var deflectionRate: Double?
    /// Minutes of work logged on the tickets, in all and per ticket.
    public var effortMinutes: Int
    public var effortPerTicket: Double?
    /// Minutes of work logged ÷ minutes available, for the agents who logged work on the tickets.
    public var utilisation: Double?
    public var resolveHistogram: [HistogramBin]
    public var handoffHistogram: [HandoffBin]
    public var timeline: [TimelinePoint]

    /// No tickets: every count 0, every rate absent.
    public init() {
        self.opened = 0
        self.resolved = 0
        self.backlog = 0
        self.backlogAge = DurationStat(count: 0)
        self.firstResponse = DurationStat(count: 0)
        self.resolve = DurationStat(count: 0)
        self.handoffs = 0
        self.tierChanges = 0
        self.ownerChanges = 0
        self.effortMinutes = 0
        self.resolveHistogram = []
        self.handoffHistogram = []
        self.timeline = []
    }
}

/// What a breakdown of the figures is by: its value is written beside the figures under ``field``.
public protocol FiguresKey: Codable, Sendable, Hashable {
    /// The JSON field the key is written as (`mode`, `via`).
    static var field: String { get }
}

extension RoutingMode: FiguresKey {
    public static let field = "mode"
}

extension Via: FiguresKey {
    public static let field = "via"
}

/// The ``TicketFigures`` of the tickets with one value of `Key` (a routing mode, a way in): the key
/// beside the figures, in one JSON object.
@dynamicMemberLookup
public struct KeyedFigures<Key: FiguresKey>: Codable, Sendable, Hashable {
    public var key: Key
    public var figures: TicketFigures

    public init(_ key: Key, figures: TicketFigures = TicketFigures()) {
        self.key = key
        self.figures = figures
    }

    /// A figure, read and written as if it were the breakdown's own (`m.opened`).
    public subscript<Value>(dynamicMember path: WritableKeyPath<TicketFigures, Value>) -> Value {
        get { figures[keyPath: path] }
        set { figures[keyPath: path] = newValue }
    }

    private struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        key = try decoder.container(keyedBy: FieldKey.self).decode(Key.self, forKey: FieldKey(stringValue: Key.field))
        figures = try TicketFigures(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(key, forKey: FieldKey(stringValue: Key.field))
        try figures.encode(to: encoder)
    }
}

/// The figures of one routing mode: `mode` beside the ``TicketFigures``.
public typealias ModeMetrics = KeyedFigures<RoutingMode>

extension KeyedFigures where Key == RoutingMode {
    /// The routing mode.
    public var mode: RoutingMode {
        get { key }
        set { key = newValue }
    }

    public init(mode: RoutingMode, figures: TicketFigures = TicketFigures()) { self.init(mode, figures: figures) }
}

/// The figures of the tickets that came in one way (``Via``), across every routing mode.
public typealias ViaMetrics = KeyedFigures<Via>

extension KeyedFigures where Key == Via {
    /// The way the tickets came in.
    public var via: Via {
        get { key }
        set { key = newValue }
    }

    public init(via: Via, figures: TicketFigures = TicketFigures()) { self.init(via, figures: figures) }
}

/// How many resolved tickets took at most `upTo` minutes (and more than the previous bin's);
/// the last bin has no `upTo`.
public struct HistogramBin: Codable, Sendable, Hashable {
    public var label: String
    public var upTo: Int?
    public var count: Int
    public init(label: String, upTo: Int?, count: Int) {
        self.label = label
        self.upTo = upTo
        self.count = count
    }
}

/// How many tickets had `handoffs` hand-offs (`orMore`: that many or more).
public struct HandoffBin: Codable, Sendable, Hashable {
    public var handoffs: Int
    public var orMore: Bool?
    public var count: Int
    public init(handoffs: Int, orMore: Bool? = nil, count: Int) {
        self.handoffs = handoffs
        self.orMore = orMore
        self.count = count
    }
}

/// One bucket of the timeline: tickets opened and resolved in it, SLA breaches in it, and the
/// backlog (counted tickets open) at its end.
public struct TimelinePoint: Codable, Sendable, Hashable {
    public var start: Timestamp
    public var opened: Int
    public var resolved: Int
    public var breaches: Int
    public var backlog: Int
    public init(start: Timestamp, opened: Int = 0, resolved: Int = 0, breaches: Int = 0, backlog: Int = 0) {
        self.start = start
        self.opened = opened
        self.resolved = resolved
        self.breaches = breaches
        self.backlog = backlog
    }
}

/// One agent's part: tickets worked, owned and resolved, work logged, and the contribution to
/// swarms the agent did not own.
public struct AgentMetrics: Codable, Sendable, Hashable {
    public var agent: String
    /// Counted tickets the agent worked (acted on, joined, owned or was assigned).
    public var tickets: Int
    /// Of those, the ones the agent owned or was assigned at some point (or, when nobody did,
    /// resolved: who carried it).
    public var owned: Int
    /// Of those, the ones resolved (the agent's impact).
    public var resolved: Int
    public var effortMinutes: Int
    /// Minutes logged on tickets the agent did not carry (see `owned`), and how many such tickets.
    public var contributionMinutes: Int
    public var contributedTickets: Int
    /// Minutes logged ÷ minutes online or busy in the window, when the agent was ever available.
    public var utilisation: Double?

    public init(agent: String) {
        self.agent = agent
        self.tickets = 0
        self.owned = 0
        self.resolved = 0
        self.effortMinutes = 0
        self.contributionMinutes = 0
        self.contributedTickets = 0
    }
}

/// `metrics.updated {channel, seq, report}`: the current report, sent on subscribing to `metrics`
/// and again after the log changed. Not logged: it is computed from the log.
public struct MetricsUpdated: Codable, Sendable, Hashable {
    public var type = "metrics.updated"
    public var channel = "metrics"
    public var seq: Int64
    public var report: MetricsReport

    public init(report: MetricsReport) {
        self.seq = report.seq
        self.report = report
    }
}
