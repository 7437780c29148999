import Foundation
public import SwarmCore
public import SwarmProtocol
import Yams

/// The queue configuration file (`swarmd serve --config FILE`, YAML): routing modes, tier time
/// limits and invitation counts per queue, and the queue of each category. See docs/tiers.md and
/// config/swarmd.example.yaml.
public struct QueueConfiguration: Sendable, Hashable {
    /// Policies of the queues the file lists.
    public var queues: [String: QueuePolicy] = [:]
    /// The policy of queues it does not list (`defaults`).
    public var defaultQueue = QueuePolicy()
    /// Category → queue, for tickets opened without a queue.
    public var categories: [Category: String] = [:]
    /// How monitoring alerts become tickets (`alerts`; docs/monitoring.md).
    public var alerts = AlertRules()
    /// Settings of `swarmd serve` given in the file (`hub`): the flags' names without the dashes.
    public var hub: [HubEntry] = []
    /// The outgoing webhooks (`webhooks`), as the file gives them: their secrets are read by
    /// ``loadedWebhooks(file:)``.
    public var webhooks: [WebhookEntry] = []

    /// One setting in the `hub` section, with the line it is on.
    public struct HubEntry: Sendable, Hashable {
        public var name: String
        public var values: [String]
        public var line: Int?
    }

    /// Applies the `hub` section to `settings`; the error names the file, the line and the setting.
    public func applyHub(to settings: inout ServeSettings, file: String) throws(ConfigError) {
        // In the order of Settings.all, as the flags are applied.
        for setting in Settings.all {
            guard let entry = hub.first(where: { $0.name == setting.name }) else { continue }
            do throws(SettingError) {
                try setting.apply(entry.values, to: &settings)
            } catch {
                throw ConfigError(file: file, line: entry.line, "hub.\(setting.name): \(error.message)")
            }
        }
    }

    public init() {}

    /// Copies the configuration into the swarm settings.
    public func apply(to settings: inout SwarmSettings) {
        settings.queues = queues
        settings.defaultQueue = defaultQueue
        settings.categoryQueues = categories
        settings.alerts = alerts
    }

    /// Reads a configuration file; the error names the file and line.
    public static func load(path: String) throws(ConfigError) -> QueueConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: path, line: nil, "cannot read the configuration file: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Parses the text of a configuration file named `file` (for messages).
    public static func parse(_ text: String, file: String) throws(ConfigError) -> QueueConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: error.line, "not valid YAML: \(error.problem)")
        } catch {
            throw ConfigError(file: file, line: nil, "not valid YAML: \(error)")
        }
        var configuration = QueueConfiguration()
        guard let root else { return configuration }
        let reader = Reader(file: file)
        let top = try reader.mapping(
            root, "the file", keys: ["defaults", "queues", "categories", "alerts", "hub", "webhooks"])
        if let defaults = top["defaults"] {
            // No mode here: a queue's mode is a logged event, so each routed queue is named.
            configuration.defaultQueue = try reader.policy(
                defaults.value, "defaults", base: QueuePolicy(),
                keys: [
                    "invitations", "tiers", "priorities", "sla", "resolve_on_recovery", "closed_reply", "follow_work",
                ])
        }
        if let queues = top["queues"] {
            for (name, entry) in try reader.entries(queues.value, "queues") {
                guard Limits.isValidQueue(name.text) else {
                    throw reader.error(
                        name.node, "queues: '\(name.text)' is not a queue name (lowercase letters, digits, '-', '_')")
                }
                configuration.queues[name.text] = try reader.policy(
                    entry, "queues.\(name.text)", base: configuration.defaultQueue)
            }
        }
        if let categories = top["categories"] {
            for (name, entry) in try reader.entries(categories.value, "categories") {
                guard let category = Category(rawValue: name.text) else {
                    let known = Category.allCases.map(\.rawValue).joined(separator: ", ")
                    throw reader.error(name.node, "categories: unknown category '\(name.text)' (known: \(known))")
                }
                let queue = try reader.string(entry, "categories.\(name.text)")
                guard Limits.isValidQueue(queue) else {
                    throw reader.error(entry, "categories.\(name.text): '\(queue)' is not a queue name")
                }
                configuration.categories[category] = queue
            }
        }
        if let alerts = top["alerts"] {
            configuration.alerts = try reader.alertRules(alerts.value)
        }
        if let hub = top["hub"] {
            for (name, entry) in try reader.entries(hub.value, "hub") {
                guard let setting = Settings.named(name.text) else {
                    throw reader.error(
                        name.node,
                        "hub: unknown setting '\(name.text)' (the settings of swarmd serve --help, without '--')")
                }
                let values: [String]
                if let list = entry.sequence {
                    guard setting.repeatable else {
                        throw reader.error(entry, "hub.\(name.text) takes one value, not a list")
                    }
                    values = try list.map { item throws(ConfigError) in try reader.string(item, "hub.\(name.text)") }
                } else {
                    values = [try reader.string(entry, "hub.\(name.text)")]
                }
                configuration.hub.append(HubEntry(name: name.text, values: values, line: name.node.mark?.line))
            }
        }
        if let webhooks = top["webhooks"] {
            configuration.webhooks = try reader.webhooks(webhooks.value)
        }
        return configuration
    }

    /// Reads nodes, turning every problem into an error that names its line.
    struct Reader {
        var file: String

        struct Key {
            var text: String
            var node: Node
        }

        func error(_ node: Node, _ message: String) -> ConfigError {
            ConfigError(file: file, line: node.mark?.line, message)
        }

        func entries(_ node: Node, _ path: String) throws(ConfigError) -> [(Key, Node)] {
            guard let mapping = node.mapping else { throw error(node, "\(path) must be a mapping of names to values") }
            var seen = Set<String>()
            var result: [(Key, Node)] = []
            for (key, value) in mapping {
                guard let text = key.string else { throw error(key, "\(path): keys must be plain names") }
                guard seen.insert(text).inserted else { throw error(key, "\(path): '\(text)' appears twice") }
                result.append((Key(text: text, node: key), value))
            }
            return result
        }

        func mapping(_ node: Node, _ path: String, keys: Set<String>) throws(ConfigError) -> [String: (
            key: Node, value: Node
        )] {
            var result: [String: (key: Node, value: Node)] = [:]
            for (key, value) in try entries(node, path) {
                guard keys.contains(key.text) else {
                    let known = keys.sorted().joined(separator: ", ")
                    throw error(key.node, "\(path): unknown key '\(key.text)' (known: \(known))")
                }
                result[key.text] = (key.node, value)
            }
            return result
        }

        func string(_ node: Node, _ path: String) throws(ConfigError) -> String {
            guard let scalar = node.scalar else { throw error(node, "\(path) must be a single value") }
            return scalar.string
        }

        /// `alerts: {severity_label, severities, other_severity, queue, category, routes}`.
        func alertRules(_ node: Node) throws(ConfigError) -> AlertRules {
            var rules = AlertRules()
            let fields = try mapping(
                node, "alerts", keys: ["severity_label", "severities", "other_severity", "queue", "category", "routes"])
            if let label = fields["severity_label"] {
                rules.severityLabel = try labelName(label.value, "alerts.severity_label")
            }
            if let severities = fields["severities"] {
                for (name, entry) in try entries(severities.value, "alerts.severities") {
                    rules.severities[name.text.lowercased()] = try severity(entry, "alerts.severities.\(name.text)")
                }
            }
            if let other = fields["other_severity"] {
                rules.otherSeverity = try severity(other.value, "alerts.other_severity")
            }
            if let queue = fields["queue"] { rules.queue = try queueName(queue.value, "alerts.queue") }
            if let given = fields["category"] { rules.category = try category(given.value, "alerts.category") }
            if let routes = fields["routes"] {
                guard let list = routes.value.sequence else {
                    throw error(routes.value, "alerts.routes must be a list of {match, queue, category}")
                }
                for (index, item) in list.enumerated() {
                    let path = "alerts.routes[\(index)]"
                    let route = try mapping(item, path, keys: ["match", "queue", "category"])
                    guard let match = route["match"] else { throw error(item, "\(path) needs 'match'") }
                    var labels: [String: String] = [:]
                    for (name, value) in try entries(match.value, "\(path).match") {
                        labels[name.text] = try string(value, "\(path).match.\(name.text)")
                    }
                    guard !labels.isEmpty else { throw error(match.value, "\(path).match must name a label") }
                    guard route["queue"] != nil || route["category"] != nil else {
                        throw error(item, "\(path) needs 'queue' or 'category'")
                    }
                    rules.routes.append(
                        AlertRules.Route(
                            match: labels,
                            queue: try route["queue"].map { node throws(ConfigError) in
                                try queueName(node.value, "\(path).queue")
                            },
                            category: try route["category"].map { node throws(ConfigError) in
                                try category(node.value, "\(path).category")
                            }))
                }
            }
            return rules
        }

        func severity(_ node: Node, _ path: String) throws(ConfigError) -> AlertRules.Severity {
            let fields = try mapping(node, path, keys: ["urgency", "impact"])
            func level(_ key: String) throws(ConfigError) -> Level {
                guard let field = fields[key] else { throw error(node, "\(path) needs '\(key)' (high, medium or low)") }
                let text = try string(field.value, "\(path).\(key)")
                guard let level = Level(rawValue: text) else {
                    throw error(field.value, "\(path).\(key): '\(text)' is not high, medium or low")
                }
                return level
            }
            return AlertRules.Severity(urgency: try level("urgency"), impact: try level("impact"))
        }

        func labelName(_ node: Node, _ path: String) throws(ConfigError) -> String {
            let text = try string(node, path)
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw error(node, "\(path): '\(text)' is not a label name (letters, digits, '_')")
            }
            return text
        }

        func queueName(_ node: Node, _ path: String) throws(ConfigError) -> String {
            let text = try string(node, path)
            guard Limits.isValidQueue(text) else { throw error(node, "\(path): '\(text)' is not a queue name") }
            return text
        }

        func category(_ node: Node, _ path: String) throws(ConfigError) -> Category {
            let text = try string(node, path)
            guard let category = Category(rawValue: text) else {
                let known = Category.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(node, "\(path): unknown category '\(text)' (known: \(known))")
            }
            return category
        }

        func duration(_ node: Node, _ path: String) throws(ConfigError) -> Int64 {
            let text = try string(node, path)
            guard let duration = TextDuration(text), duration.milliseconds > 0 else {
                throw error(node, "\(path): '\(text)' is not a duration such as 90s, 15m, 4h or 2d")
            }
            return duration.milliseconds
        }

        /// Tier → limit, for tiers 1 and 2 (from tier 3 a person hands off to a vendor, naming it).
        func limits(_ node: Node, _ path: String) throws(ConfigError) -> [Int: Int64] {
            var result: [Int: Int64] = [:]
            for (key, value) in try entries(node, path) {
                guard let tier = Int(key.text), SwarmSettings.timedTiers.contains(tier) else {
                    throw error(
                        key.node,
                        "\(path): '\(key.text)' is not a tier with a time limit (1 or 2; from tier 3 a person escalates to a vendor)"
                    )
                }
                result[tier] = try duration(value, "\(path).\(tier)")
            }
            return result
        }

        func policy(
            _ node: Node, _ path: String, base: QueuePolicy,
            keys: Set<String> = [
                "mode", "invitations", "tiers", "priorities", "sla", "resolve_on_recovery", "closed_reply",
                "follow_work",
            ]
        ) throws(ConfigError) -> QueuePolicy {
            var policy = base
            policy.mode = .swarm
            let fields = try mapping(node, path, keys: keys)
            if let mode = fields["mode"] {
                let text = try string(mode.value, "\(path).mode")
                guard let value = RoutingMode(rawValue: text) else {
                    let known = RoutingMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw error(mode.value, "\(path).mode: '\(text)' is not one of: \(known)")
                }
                policy.mode = value
            }
            if let invitations = fields["invitations"] {
                let text = try string(invitations.value, "\(path).invitations")
                guard let n = Int(text), (1...SwarmSettings.maxInvitations).contains(n) else {
                    throw error(
                        invitations.value,
                        "\(path).invitations: '\(text)' is not a count from 1 to \(SwarmSettings.maxInvitations)")
                }
                policy.invitations = n
            }
            if let tiers = fields["tiers"] {
                let own = try limits(tiers.value, "\(path).tiers")
                policy.tierLimits.merge(own) { $1 }
                // A queue's own limit for a tier beats priority limits it inherited for that tier.
                for priority in policy.priorityLimits.keys {
                    for tier in own.keys { policy.priorityLimits[priority]?[tier] = nil }
                }
            }
            if let priorities = fields["priorities"] {
                for (key, value) in try entries(priorities.value, "\(path).priorities") {
                    guard let priority = Priority(rawValue: key.text) else {
                        throw error(key.node, "\(path).priorities: '\(key.text)' is not a priority (P1, P2, P3, P4)")
                    }
                    policy.priorityLimits[priority, default: [:]].merge(
                        try limits(value, "\(path).priorities.\(key.text)")
                    ) { $1 }
                }
            }
            if let resolve = fields["resolve_on_recovery"] {
                let text = try string(resolve.value, "\(path).resolve_on_recovery")
                guard let value = Bool(text) else {
                    throw error(resolve.value, "\(path).resolve_on_recovery: '\(text)' is not true or false")
                }
                policy.resolveOnRecovery = value
            }
            if let follow = fields["follow_work"] {
                let text = try string(follow.value, "\(path).follow_work")
                guard let value = Bool(text) else {
                    throw error(follow.value, "\(path).follow_work: '\(text)' is not true or false")
                }
                policy.followWork = value
            }
            if let closed = fields["closed_reply"] {
                let text = try string(closed.value, "\(path).closed_reply")
                guard let value = ClosedReply(rawValue: text) else {
                    let known = ClosedReply.allCases.map(\.rawValue).joined(separator: ", ")
                    throw error(closed.value, "\(path).closed_reply: '\(text)' is not one of: \(known)")
                }
                policy.closedReply = value
            }
            if let sla = fields["sla"] {
                policy.sla = try self.sla(sla.value, "\(path).sla", base: policy.sla ?? .standard)
            }
            return policy
        }

        /// `sla: {business_hours: {…}, P1: {first_response, resolution}, …}`; `sla: {}` is the defaults.
        func sla(_ node: Node, _ path: String, base: SLAPolicy) throws(ConfigError) -> SLAPolicy {
            var policy = base
            if node.scalar?.string == "" || node.scalar?.string == "standard" { return policy }
            let priorities = Priority.allCases.map(\.rawValue)
            let fields = try mapping(node, path, keys: Set(["business_hours"] + priorities))
            for priority in Priority.allCases {
                guard let entry = fields[priority.rawValue] else { continue }
                let where_ = "\(path).\(priority.rawValue)"
                let targets = try mapping(entry.value, where_, keys: ["first_response", "resolution"])
                var value = policy.targets[priority] ?? SLAPolicy.standard.targets[priority]!
                if let first = targets["first_response"] {
                    value.firstResponse = try duration(first.value, "\(where_).first_response")
                }
                if let resolution = targets["resolution"] {
                    value.resolution = try duration(resolution.value, "\(where_).resolution")
                }
                policy.targets[priority] = value
            }
            if let hours = fields["business_hours"] {
                policy.businessHours = try businessHours(hours.value, "\(path).business_hours")
            }
            return policy
        }

        func businessHours(_ node: Node, _ path: String) throws(ConfigError) -> BusinessHours {
            let fields = try mapping(node, path, keys: ["days", "start", "end", "utc_offset"])
            let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            var days: Set<Int> = [1, 2, 3, 4, 5]
            if let list = fields["days"] {
                guard let sequence = list.value.sequence else {
                    throw error(list.value, "\(path).days must be a list such as [mon, tue, wed, thu, fri]")
                }
                days = []
                for item in sequence {
                    let text = try string(item, "\(path).days").lowercased()
                    let long = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
                    guard let index = names.firstIndex(of: text) ?? long.firstIndex(of: text) else {
                        throw error(item, "\(path).days: '\(text)' is not a weekday (mon … sun)")
                    }
                    days.insert(index)
                }
                guard !days.isEmpty else { throw error(list.value, "\(path).days must name at least one day") }
            }
            func clock(_ key: String, _ fallback: Int) throws(ConfigError) -> Int {
                guard let field = fields[key] else { return fallback }
                let text = try string(field.value, "\(path).\(key)")
                let parts = text.split(separator: ":")
                guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h),
                    (0..<60).contains(m), h * 60 + m <= 24 * 60
                else { throw error(field.value, "\(path).\(key): '\(text)' is not a time of day such as 09:00") }
                return h * 60 + m
            }
            let start = try clock("start", 9 * 60)
            let end = try clock("end", 17 * 60)
            guard start < end else {
                throw error(node, "\(path): start must be before end")
            }
            var offset = 0
            if let field = fields["utc_offset"] {
                let text = try string(field.value, "\(path).utc_offset")
                let sign = text.hasPrefix("-") ? -1 : 1
                let parts = text.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
                guard text.first == "+" || text.first == "-", parts.count == 2, parts.allSatisfy({ $0.count == 2 }),
                    parts.joined().allSatisfy(\.isNumber), let h = Int(parts[0]), let m = Int(parts[1]),
                    h * 60 + m <= 14 * 60, (0..<60).contains(m)
                else { throw error(field.value, "\(path).utc_offset: '\(text)' is not an offset such as +01:00") }
                offset = sign * (h * 60 + m)
            }
            return BusinessHours(days: days, start: start, end: end, utcOffsetMinutes: offset)
        }
    }
}

/// A configuration file that cannot be used: `FILE:LINE: message`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

extension YamlError {
    fileprivate var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    fileprivate var problem: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        case .reader(let problem, _, _, _), .writer(let problem), .emitter(let problem), .representer(let problem):
            problem
        case .duplicatedKeysInMapping(let duplicates, _):
            "this mapping has a key more than once: " + duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
        default: "\(self)"
        }
    }
}
