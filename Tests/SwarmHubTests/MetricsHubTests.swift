import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmMetrics
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// GET with the body as text, for CSV.
func httpText(_ url: String, token: String, accept: String? = nil) async throws -> (
    status: Int, text: String, type: String?
) {
    var request = URLRequest(url: URL(string: url)!)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
}

@Suite("Live hub: metrics, the metrics channel and the dashboard")
struct MetricsHubTests {
    /// Opens a ticket as rita, has alice answer, log work and resolve it.
    func work(_ hub: TestHub, alice: String, rita: String) async throws -> String {
        let opened = try await http("POST", hub.httpBase + "/v1/tickets", token: rita, body: openBody)
        let id = try #require((opened.json["ticket"] as? [String: Any])?["id"] as? String)
        try await withClient(hub.url) { a in
            try await a.hello(alice)
            try await a.command(["type": "comment.add", "ticket": id, "body": "on it"])
            try await a.command(["type": "ticket.status", "ticket": id, "status": "in_progress"])
            try await a.command(["type": "work.log", "ticket": id, "minutes": 20, "note": "reseated the RAM"])
            try await a.command(["type": "ticket.status", "ticket": id, "status": "resolved", "resolution": "RAM"])
        }
        return id
    }

    @Test("GET /v1/metrics: leads only, JSON and CSV, filters checked, the same report after a restart")
    func rest() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let (lead, before) = try await withHub(databasePath: path) { hub in
            let lead = try await hub.token("lena", .lead)
            let alice = try await hub.token("alice")
            let rita = try await hub.token("rita", .requester)
            _ = try await work(hub, alice: alice, rita: rita)
            let refused = try await http("GET", hub.httpBase + "/v1/metrics", token: alice)
            #expect(refused.status == 403)
            #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "forbidden")
            #expect(try await http("GET", hub.httpBase + "/v1/metrics").status == 401)

            let got = try await http("GET", hub.httpBase + "/v1/metrics", token: lead)
            #expect(got.status == 200)
            let modes = try #require(got.json["modes"] as? [[String: Any]])
            #expect(modes.map { $0["mode"] as? String } == ["swarm", "tiered", "hybrid"])
            #expect(modes[0]["opened"] as? Int == 1)
            #expect(modes[0]["resolved"] as? Int == 1)
            #expect(modes[0]["effortMinutes"] as? Int == 20)
            #expect(got.json["seq"] as? Int == Int(hub.ledger.snapshot.seq))

            let csv = try await httpText(hub.httpBase + "/v1/metrics?format=csv", token: lead)
            #expect(csv.status == 200)
            #expect(csv.type?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\n")
            #expect(lines.count == 1 + 3 + Via.allCases.count, "a row per mode, then one per way in")
            #expect(lines[1].hasPrefix("swarm,1,1,0,"))
            #expect(lines.last == ",0,0,0,,,,0,,,,0,,,,0,,0,0,,,,,,,,0,,,api")
            #expect(
                lines.contains { $0.hasPrefix(",1,1,0,") && $0.hasSuffix(",portal") }, "rita's ticket, by the portal")
            let accepted = try await httpText(hub.httpBase + "/v1/metrics?mode=swarm", token: lead, accept: "text/csv")
            #expect(accepted.text.split(separator: "\n").count == 2 + Via.allCases.count)

            for (query, field) in [
                ("from=yesterday", "from"), ("to=2026-13-01T00:00:00Z", "to"), ("mode=ladder", "mode"),
                ("priority=P9", "priority"), ("queue=Bad%20Queue", "queue"), ("format=xml", "format"),
                ("from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z", "from"),
            ] {
                let bad = try await http("GET", hub.httpBase + "/v1/metrics?" + query, token: lead)
                #expect(bad.status == 400, "\(query)")
                let error = bad.json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "invalid_field", "\(query)")
                #expect((error?["message"] as? String)?.contains("'\(field)'") == true, "\(query): \(bad.json)")
            }
            let filtered = try await http(
                "GET", hub.httpBase + "/v1/metrics?queue=nowhere&priority=p1&from=2020-01-01T00:00:00Z", token: lead)
            #expect(filtered.status == 200)
            #expect(filtered.json["queue"] as? String == "nowhere")
            #expect((filtered.json["modes"] as? [[String: Any]])?.allSatisfy { $0["opened"] as? Int == 0 } == true)
            let asOf = hub.ledger.snapshot.lastAt
            return (lead, hub.ledger.metricsCollector.report(MetricsQuery(to: asOf.adding(milliseconds: 1))))
        }
        // Invariant 5: after a restart the log gives the same report, and so does a fold of the
        // stored events from scratch.
        try await withHub(databasePath: path) { hub in
            let to = before.asOf
            let after = hub.ledger.metricsCollector.report(MetricsQuery(to: to))
            #expect(after == before)
            var fresh = MetricsCollector()
            try await hub.store.forEachEvent { fresh.add($0.event, seq: $0.seq) }
            #expect(fresh.report(MetricsQuery(to: to)) == before)
            #expect(try await http("GET", hub.httpBase + "/v1/metrics", token: lead).status == 200)
        }
    }

    @Test("the metrics channel sends the current report on subscribing and a new one after work; leads only")
    func channel() async throws {
        try await withHub(configure: { $0.metricsInterval = .milliseconds(50) }) { hub in
            let lead = try await hub.token("lena", .lead)
            let alice = try await hub.token("alice")
            let rita = try await hub.token("rita", .requester)
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                let refused = try await a.failing(["type": "subscribe", "channels": ["metrics"]])
                #expect(refused.code == .forbidden)
            }
            try await withClient(hub.url) { l in
                try await l.hello(lead)
                try await l.command(["type": "subscribe", "channels": ["metrics"]])
                guard case .metricsUpdated(let first) = try await l.next() else {
                    throw TestFailure("no report after subscribing")
                }
                #expect(first.channel == "metrics")
                #expect(first.report[.swarm]?.opened == 0)
                let id = try await work(hub, alice: alice, rita: rita)
                // Pushed once the log changed: wait for the one that has the resolution.
                var latest = first
                while latest.report[.swarm]?.resolved != 1 {
                    guard case .metricsUpdated(let next) = try await l.next(timeout: .seconds(5)) else { continue }
                    #expect(next.seq >= latest.seq)
                    latest = next
                }
                #expect(latest.report[.swarm]?.effortMinutes == 20)
                #expect(latest.report.agents.map(\.agent) == ["alice"])
                #expect(hub.ledger.snapshot.state.tickets[id]?.effortMinutes == 20)
                // Nothing changes: no more reports (they are pushed on change, not on every tick).
                if let extra = await l.receive(timeout: .milliseconds(400)) {
                    Issue.record("a report without a change in the log: \(extra)")
                }
                // The metrics frames are not in the log.
                var types: [String] = []
                try await hub.store.forEachEvent { types.append($0.event.type.rawValue) }
                #expect(!types.isEmpty && !types.contains { $0.hasPrefix("metrics") })
            }
        }
    }

    @Test("the dashboard's files are served with their types, and nothing else under /dashboard")
    func dashboardFiles() async throws {
        try await withHub { hub in
            for (path, type) in [
                ("/dashboard", "text/html"), ("/dashboard/dashboard.js", "text/javascript"),
                ("/dashboard/dashboard.css", "text/css"), ("/dashboard/swarm-socket.mjs", "text/javascript"),
            ] {
                let got = try await httpText(hub.httpBase + path, token: "none")
                #expect(got.status == 200, "\(path)")
                #expect(got.type?.hasPrefix(type) == true, "\(path): \(got.type ?? "no type")")
            }
            let page = try await httpText(hub.httpBase + "/dashboard", token: "none")
            #expect(page.text.contains("/dashboard/dashboard.js"))
            // The WebSocket client both pages share (Resources/shared) is one file, served under each page.
            let shared = try await httpText(hub.httpBase + "/dashboard/swarm-socket.mjs", token: "none")
            let portalCopy = try await httpText(hub.httpBase + "/portal/swarm-socket.mjs", token: "none")
            #expect(shared.text.contains("export class SwarmSocket") && shared.text == portalCopy.text)
            for path in ["/dashboard/..%2FPackage.swift", "/dashboard/nope.js", "/dashboard/taxonomy.json"] {
                #expect(try await httpText(hub.httpBase + path, token: "none").status == 404, "\(path)")
            }
        }
    }
}
