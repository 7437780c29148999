import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmTestSupport
import Testing

/// An Alertmanager webhook (version 4) body, as Alertmanager 0.25 sends it.
func webhook(_ alerts: [[String: Any]], status: String = "firing", version: String = "4") throws -> String {
    let body: [String: Any] = [
        "version": version, "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0, "status": status,
        "receiver": "swarmd", "groupLabels": ["alertname": "DiskFull"], "commonLabels": [String: String](),
        "commonAnnotations": [String: String](), "externalURL": "http://127.0.0.1:9093", "alerts": alerts,
    ]
    return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
}

func amAlert(
    _ status: String = "firing", fingerprint: String? = "3f2a9c0d1e4b5a67", severity: String = "critical",
    labels extra: [String: String] = [:]
) -> [String: Any] {
    var labels = ["alertname": "DiskFull", "instance": "db1:9100", "severity": severity]
    labels.merge(extra) { $1 }
    var alert: [String: Any] = [
        "status": status, "labels": labels,
        "annotations": ["summary": "db1: / is 97% full", "description": "Only 3% free on /."],
        "startsAt": "2026-12-02T18:00:00Z",
        "endsAt": status == "resolved" ? "2026-12-02T18:30:00Z" : "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph?g0.expr=disk",
    ]
    if let fingerprint { alert["fingerprint"] = fingerprint }
    return alert
}

@Suite("Live hub: POST /v1/alerts (Alertmanager webhook)")
struct AlertmanagerWebhookTests {
    @Test("firing opens then repeats, severity and labels map through the rules, resolved recovers")
    func firingRepeatResolve() async throws {
        try await withHub(configure: { configuration in
            var rules = AlertRules()
            rules.routes = [AlertRules.Route(match: ["team": "db"], queue: "ops", category: .hardware)]
            configuration.swarm.alerts = rules
            var ops = QueuePolicy()
            ops.resolveOnRecovery = true
            configuration.swarm.queues["ops"] = ops
        }) { hub in
            let token = try await hub.token("alertmanager", .requester)
            let url = hub.httpBase + "/v1/alerts"
            let db = amAlert(labels: ["team": "db"])
            let web = amAlert(fingerprint: "00aa11bb22cc33dd", severity: "warning", labels: ["instance": "web1"])
            let first = try await http("POST", url, token: token, body: try webhook([db, web]))
            #expect(first.status == 200)
            let results = first.json["alerts"] as? [[String: Any]] ?? []
            #expect(results.map { $0["ticket"] as? String } == ["T-1", "T-2"])
            #expect(results.map { $0["dedupKey"] as? String } == ["am:3f2a9c0d1e4b5a67", "am:00aa11bb22cc33dd"])
            var state = hub.ledger.snapshot.state
            let t1 = try #require(state.tickets["T-1"])
            #expect(t1.title == "db1: / is 97% full")
            #expect(t1.queue == "ops")
            #expect(t1.category == .hardware)
            #expect(t1.urgency == .high)
            #expect(t1.impact == .high)
            #expect(t1.description.contains("team=db"))
            let t2 = try #require(state.tickets["T-2"])
            #expect(t2.queue == "general")
            #expect(t2.category == .service)
            #expect(t2.urgency == .medium)
            #expect(t2.impact == .medium)

            // Alertmanager repeats the group: folded into the same tickets.
            let again = try await http("POST", url, token: token, body: try webhook([db, web]))
            let repeated = again.json["alerts"] as? [[String: Any]] ?? []
            #expect(repeated.map { $0["repeated"] as? Bool } == [true, true])
            state = hub.ledger.snapshot.state
            #expect(state.tickets.count == 2)
            #expect(state.tickets["T-1"]?.alert?.count == 2)

            // Resolved: T-1's queue resolves on recovery, T-2's logs it only.
            let resolved = try await http(
                "POST", url, token: token,
                body: try webhook(
                    [
                        amAlert("resolved", labels: ["team": "db"]),
                        amAlert("resolved", fingerprint: "00aa11bb22cc33dd"),
                    ],
                    status: "resolved"))
            #expect(resolved.status == 200)
            state = hub.ledger.snapshot.state
            #expect(state.tickets["T-1"]?.status == .resolved)
            #expect(state.tickets["T-2"]?.status == .new)
            #expect(state.tickets["T-2"]?.alert?.recoveredAt != nil)
            #expect(state.tickets["T-2"]?.alert?.output.hasPrefix("Resolved at 2026-12-02T18:30:00Z.") == true)
            // A resolved alert the hub never saw is answered, not refused.
            let stray = try await http(
                "POST", url, token: token,
                body: try webhook([amAlert("resolved", fingerprint: "ffff")], status: "resolved"))
            #expect(stray.status == 200)
            #expect((stray.json["alerts"] as? [[String: Any]])?.first?["unknown"] as? Bool == true)
        }
    }

    @Test("an alert without a fingerprint is keyed by its labels, whatever their order")
    func labelKey() async throws {
        try await withHub { hub in
            let token = try await hub.token("alertmanager", .requester)
            let a = try await http(
                "POST", hub.httpBase + "/v1/alerts", token: token, body: try webhook([amAlert(fingerprint: nil)]))
            let b = try await http(
                "POST", hub.httpBase + "/v1/alerts", token: token, body: try webhook([amAlert(fingerprint: nil)]))
            let keyA = (a.json["alerts"] as? [[String: Any]])?.first?["dedupKey"] as? String
            let keyB = (b.json["alerts"] as? [[String: Any]])?.first?["dedupKey"] as? String
            #expect(keyA == keyB)
            #expect(keyA?.hasPrefix("am:") == true)
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
        }
    }

    @Test("bad payloads get 400 naming the field and change nothing; no token gets 401")
    func badPayloads() async throws {
        try await withHub { hub in
            let token = try await hub.token("alertmanager", .requester)
            let url = hub.httpBase + "/v1/alerts"
            var noStatus = amAlert()
            noStatus["status"] = nil
            var badLabels = amAlert()
            badLabels["labels"] = ["severity": 3]
            let cases: [(String, String)] = [
                (
                    try webhook([amAlert()], version: "3"),
                    "field 'version' must be \"4\" (Alertmanager webhook version 4), not '3'"
                ),
                (try webhook([]), "field 'alerts' must list 1 to 1000 alerts"),
                // The first alert is fine: it must not be opened when the second is bad.
                (try webhook([amAlert(), noStatus]), "missing field 'alerts[1].status'"),
                (
                    try webhook([amAlert(), amAlert("pending")]),
                    "field 'alerts[1].status' must be firing or resolved, not 'pending'"
                ),
                (try webhook([badLabels]), "field 'alerts[0].labels.severity' must be a string"),
                (
                    try webhook([amAlert(fingerprint: "not hex!")]),
                    "field 'alerts[0].fingerprint' must be 1 to 64 ASCII letters or digits"
                ),
                ("{\"version\":\"4\"}", "missing field 'alerts'"),
                // The same strict check and message as every other REST body.
                ("not json", "the body must be strict JSON: unexpected character at byte 0"),
            ]
            for (body, message) in cases {
                let response = try await http("POST", url, token: token, body: body)
                #expect(response.status == 400, "\(message)")
                let error = response.json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "invalid_field")
                #expect(error?["message"] as? String == message)
            }
            #expect(hub.ledger.snapshot.state.tickets.isEmpty)
            #expect(hub.ledger.snapshot.seq == 0)
            let anonymous = try await http("POST", url, body: try webhook([amAlert()]))
            #expect(anonymous.status == 401)
            let wrong = try await http("POST", url, token: "swm_wrong", body: try webhook([amAlert()]))
            #expect(wrong.status == 401)
        }
    }
}

@Suite("End to end: a real Prometheus Alertmanager delivers to swarmd")
struct AlertmanagerEndToEndTests {
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: AlertmanagerProcess.binary) }

    @Test("one ticket, repeats folded, resolved on recovery", .enabled(if: installed))
    func realAlertmanager() async throws {
        try await withHub(configure: { configuration in
            var rules = AlertRules()
            rules.queue = "ops"
            configuration.swarm.alerts = rules
            var ops = QueuePolicy()
            ops.resolveOnRecovery = true
            configuration.swarm.queues["ops"] = ops
        }) { hub in
            let token = try await hub.token("alertmanager", .requester)
            // The receiver of docs/monitoring.md, with short intervals so the test is fast.
            let yaml = """
                route:
                  receiver: swarmd
                  group_by: ['alertname', 'instance']
                  group_wait: 200ms
                  group_interval: 500ms
                  repeat_interval: 1s
                receivers:
                  - name: swarmd
                    webhook_configs:
                      - url: '\(hub.httpBase)/v1/alerts'
                        send_resolved: true
                        http_config:
                          authorization:
                            type: Bearer
                            credentials: '\(token)'
                """
            let alertmanager = try await AlertmanagerProcess(configuration: yaml)
            do {
                let labels = #"{"alertname":"DiskFull","instance":"db1:9100","severity":"critical"}"#
                let annotations = #"{"summary":"db1: / is 97% full","description":"Only 3% free on /."}"#
                let started = Timestamp(Date().addingTimeInterval(-5)).description
                let firing =
                    "[{\"labels\":\(labels),\"annotations\":\(annotations),\"startsAt\":\"\(started)\"}]"
                try await alertmanager.post(alerts: firing)
                // Alertmanager notifies, then repeats every repeat_interval while the alert fires.
                let repeatedTicket = try await waitFor(hub) { state in
                    state.tickets.values.first { ($0.alert?.count ?? 0) >= 3 }
                }
                #expect(hub.ledger.snapshot.state.tickets.count == 1)
                #expect(repeatedTicket.id == "T-1")
                #expect(repeatedTicket.alert?.key.hasPrefix("am:") == true)
                #expect(repeatedTicket.title == "db1: / is 97% full")
                #expect(repeatedTicket.queue == "ops")
                #expect(repeatedTicket.priority == .p1)
                // Prometheus ends an alert by sending it with endsAt in the past.
                let ended = Timestamp(Date().addingTimeInterval(-1)).description
                try await alertmanager.post(
                    alerts:
                        "[{\"labels\":\(labels),\"annotations\":\(annotations),\"startsAt\":\"\(started)\",\"endsAt\":\"\(ended)\"}]"
                )
                let resolved = try await waitFor(hub) { state in
                    state.tickets["T-1"].flatMap { $0.status == .resolved ? $0 : nil }
                }
                #expect(resolved.resolution?.hasPrefix("Recovered: Resolved at") == true)
                #expect(hub.ledger.snapshot.state.tickets.count == 1)
                #expect(hub.ledger.snapshot.state.openAlerts.isEmpty)
            } catch {
                Issue.record("alertmanager log:\n\(alertmanager.log)")
                await alertmanager.stop()
                throw error
            }
            await alertmanager.stop()
        }
    }

    /// Polls the hub's committed state until `found` returns something (at most 20 s).
    func waitFor<T: Sendable>(_ hub: TestHub, _ found: (SwarmState) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let value = found(hub.ledger.snapshot.state) { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("timed out; state: \(hub.ledger.snapshot.state.tickets)")
    }
}

@Suite("Queue file: the alerts section and resolve_on_recovery")
struct AlertConfigurationTests {
    @Test("the snippet of docs/monitoring.md is read as documented, defaults included")
    func documentedSnippet() throws {
        let text = """
            defaults:
              resolve_on_recovery: false
            queues:
              ops:
                resolve_on_recovery: true
            alerts:
              severity_label: severity
              severities:
                critical: {urgency: high, impact: high}
                Page: {urgency: high, impact: medium}
              other_severity: {urgency: low, impact: low}
              queue: ops
              category: service
              routes:
                - match: {team: network}
                  queue: network
                  category: network
            """
        var settings = SwarmSettings()
        try QueueConfiguration.parse(text, file: "q.yaml").apply(to: &settings)
        #expect(settings.policy(of: "ops").resolveOnRecovery)
        #expect(!settings.policy(of: "general").resolveOnRecovery)
        let rules = settings.alerts
        #expect(rules.severities["warning"] == AlertRules.Severity(urgency: .medium, impact: .medium))
        #expect(rules.severities["page"] == AlertRules.Severity(urgency: .high, impact: .medium))
        let network = rules.classify(["team": "network", "severity": "PAGE"])
        #expect(network.queue == "network")
        #expect(network.category == .network)
        #expect(network.urgency == .high)
        #expect(network.impact == .medium)
        let other = rules.classify(["team": "db"])
        #expect(other.queue == "ops")
        #expect(other.category == .service)
        #expect(other.urgency == .low)
    }

    @Test(
        "a bad alerts section is refused with its line",
        arguments: [
            (
                "queues:\n  ops:\n    resolve_on_recovery: yes please\n",
                "q.yaml:3: queues.ops.resolve_on_recovery: 'yes please' is not true or false"
            ),
            (
                "alerts:\n  severities:\n    critical: {urgency: urgent, impact: high}\n",
                "q.yaml:3: alerts.severities.critical.urgency: 'urgent' is not high, medium or low"
            ),
            (
                "alerts:\n  severities:\n    critical: {urgency: high}\n",
                "q.yaml:3: alerts.severities.critical needs 'impact' (high, medium or low)"
            ),
            ("alerts:\n  queue: Ops Team\n", "q.yaml:2: alerts.queue: 'Ops Team' is not a queue name"),
            ("alerts:\n  category: printers\n", "q.yaml:2: alerts.category: unknown category 'printers'"),
            ("alerts:\n  routes:\n    - match: {team: db}\n", "q.yaml:3: alerts.routes[0] needs 'queue' or 'category'"),
            ("alerts:\n  routes: {team: db}\n", "q.yaml:2: alerts.routes must be a list of {match, queue, category}"),
            ("alerts:\n  colour: red\n", "q.yaml:2: alerts: unknown key 'colour'"),
        ])
    func badAlerts(text: String, expected: String) {
        do {
            _ = try QueueConfiguration.parse(text, file: "q.yaml")
            Issue.record("should be refused: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }
}
