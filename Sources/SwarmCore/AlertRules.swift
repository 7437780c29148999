public import SwarmProtocol

/// How a monitoring alert's labels become a ticket's urgency, impact, queue and category (the
/// `alerts` section of the queue configuration file; docs/monitoring.md).
///
/// Pure data and a pure function, so the mapping is the same in the hub and in its tests.
public struct AlertRules: Sendable, Hashable {
    /// Urgency and impact of a ticket.
    public struct Severity: Sendable, Hashable {
        public var urgency: Level
        public var impact: Level
        public init(urgency: Level, impact: Level) {
            self.urgency = urgency
            self.impact = impact
        }
    }

    /// A rule: when every label of `match` has that value, the ticket goes to `queue` and/or has
    /// `category`. The first rule that matches wins.
    public struct Route: Sendable, Hashable {
        public var match: [String: String]
        public var queue: String?
        public var category: Category?
        public init(match: [String: String], queue: String? = nil, category: Category? = nil) {
            self.match = match
            self.queue = queue
            self.category = category
        }
    }

    /// The label whose value names the severity. Default `severity`.
    public var severityLabel = "severity"
    /// Severity value → urgency and impact. Default: `critical` high/high, `warning` medium/medium,
    /// `info` low/low.
    public var severities: [String: Severity] = [
        "critical": Severity(urgency: .high, impact: .high),
        "warning": Severity(urgency: .medium, impact: .medium),
        "info": Severity(urgency: .low, impact: .low),
    ]
    /// The urgency and impact of an alert without the severity label, or with a value not listed.
    /// Default medium/medium.
    public var otherSeverity = Severity(urgency: .medium, impact: .medium)
    /// Label rules, first match wins.
    public var routes: [Route] = []
    /// The queue when no rule gives one; `nil` (the default): the category's queue, else `general`.
    public var queue: String?
    /// The category when no rule gives one. Default `service`.
    public var category: Category = .service

    public init() {}

    /// What the rules make of an alert with `labels`.
    public func classify(_ labels: [String: String]) -> (
        urgency: Level, impact: Level, queue: String?, category: Category
    ) {
        let severity = labels[severityLabel].flatMap { severities[$0.lowercased()] } ?? otherSeverity
        var queue = self.queue
        var category = self.category
        if let route = routes.first(where: { route in route.match.allSatisfy { labels[$0.key] == $0.value } }) {
            queue = route.queue ?? queue
            category = route.category ?? category
        }
        return (severity.urgency, severity.impact, queue, category)
    }
}
