import Foundation
public import SwarmCore
import SwarmProtocol

/// Prometheus Alertmanager's webhook payload, version 4, as Alertmanager sends it
/// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), and what it becomes:
/// one `ticket.open` (firing) or `alert.resolve` (resolved) per alert.
///
/// Only the fields the hub reads are decoded; the others (`groupKey`, `receiver`, `commonLabels`, …)
/// are ignored, as Alertmanager may add more.
public struct AlertmanagerWebhook: Decodable, Sendable, Hashable {
    /// One alert of the group.
    public struct Alert: Decodable, Sendable, Hashable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]?
        public var startsAt: String?
        public var endsAt: String?
        public var generatorURL: String?
        public var fingerprint: String?
    }

    public var version: String
    public var alerts: [Alert]

    /// The most alerts one payload may carry.
    public static let maxAlerts = 1000

    /// One alert, checked and turned into a command.
    public struct Item: Sendable, Hashable {
        public var key: String
        public var firing: Bool
        public var command: Command
    }

    /// Checks the whole payload and returns one command per alert, in order, or the first problem
    /// naming its field. Nothing is submitted before every alert has been checked.
    public func commands(rules: AlertRules) throws(HubError) -> [Item] {
        guard version == "4" else {
            throw HubError(
                .invalidField, "field 'version' must be \"4\" (Alertmanager webhook version 4), not '\(version)'")
        }
        guard (1...Self.maxAlerts).contains(alerts.count) else {
            throw HubError(.invalidField, "field 'alerts' must list 1 to \(Self.maxAlerts) alerts")
        }
        var items: [Item] = []
        for (index, alert) in alerts.enumerated() {
            let path = "alerts[\(index)]"
            guard alert.status == "firing" || alert.status == "resolved" else {
                throw HubError(
                    .invalidField, "field '\(path).status' must be firing or resolved, not '\(alert.status)'")
            }
            guard !alert.labels.isEmpty else {
                throw HubError(.invalidField, "field '\(path).labels' must hold at least one label")
            }
            let key: String
            if let fingerprint = alert.fingerprint {
                guard (1...64).contains(fingerprint.count),
                    fingerprint.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
                else {
                    throw HubError(.invalidField, "field '\(path).fingerprint' must be 1 to 64 ASCII letters or digits")
                }
                key = "am:" + fingerprint
            } else {
                key = "am:" + Self.labelHash(alert.labels)
            }
            let annotations = alert.annotations ?? [:]
            let labels = alert.labels
            let name = labels["alertname"] ?? "alert"
            var title = annotations["summary"] ?? name + (labels["instance"].map { " on \($0)" } ?? "")
            title = title.trimmingCharacters(in: .whitespacesAndNewlines)
            if title.isEmpty { title = name }
            title = Limits.cut(Limits.clean(title, multiline: false), toFit: Limits.titleLength)
            var text = annotations["description"] ?? annotations["summary"] ?? ""
            if !text.isEmpty { text += "\n\n" }
            text +=
                "Labels: " + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            if let url = alert.generatorURL, !url.isEmpty { text += "\nSource: " + url }
            if alert.status == "firing" {
                if let starts = alert.startsAt { text += "\nFiring since: " + starts }
                let description = Limits.cut(Limits.clean(text), toFit: Limits.descriptionLength)
                let (urgency, impact, queue, category) = rules.classify(labels)
                let open = TicketOpen(
                    title: title, description: description, category: category, urgency: urgency, impact: impact,
                    queue: queue, dedupKey: key, via: .monitoring)
                items.append(Item(key: key, firing: true, command: .client(.ticketOpen(open))))
            } else {
                if let ends = alert.endsAt { text = "Resolved at " + ends + ".\n" + text }
                let output = Limits.cut(Limits.clean(text), toFit: Limits.descriptionLength)
                items.append(
                    Item(
                        key: key, firing: false,
                        command: .client(.alertResolve(AlertResolve(dedupKey: key, output: output)))))
            }
        }
        return items
    }

    /// A stable key for an alert without a fingerprint: FNV-1a (64 bits) of its sorted labels, in hex.
    static func labelHash(_ labels: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            for byte in Array(name.utf8) + [0] + Array(value.utf8) + [0] {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
