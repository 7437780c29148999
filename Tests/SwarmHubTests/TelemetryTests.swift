import Foundation
import SwarmHub
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `GET /metrics` as text, with the value of each unlabelled sample (`name value` lines).
private func scrape(_ base: String) async throws -> (status: Int, text: String, values: [String: Double]) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
    let text = String(decoding: data, as: UTF8.self)
    var values: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ")
        if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
    }
    return ((response as! HTTPURLResponse).statusCode, text, values)
}

@Suite("Telemetry: per-hub Prometheus registries and JSON logs", .serialized)
struct TelemetryTests {
    @Test("two hubs in one process count apart: traffic on one moves only its own /metrics")
    func hubsCountApart() async throws {
        try await withHub { first in
            try await withHub { second in
                let token = try await first.token("alice")
                try await withClient(first.url) { client in
                    try await client.hello(token)
                    try await client.command(["type": "subscribe", "channels": ["dispatch"]])
                    let one = try await scrape(first.httpBase)
                    let two = try await scrape(second.httpBase)
                    #expect(one.status == 200)
                    #expect(one.values["swarm_connections"] == 1)
                    #expect(one.values["swarm_subscriptions"] == 1)
                    #expect(one.values["swarm_frames_received_total"] == 2)
                    #expect(one.values["swarm_event_log_seq"] == Double(first.ledger.snapshot.seq))
                    #expect(two.values["swarm_connections"] == 0)
                    #expect(two.values["swarm_frames_received_total"] == 0)
                    #expect(two.values["swarm_event_log_seq"] == 0)
                    #expect(first.telemetry !== second.telemetry)
                }
            }
        }
    }

    @Test("--log-format json: every line is one JSON object; a connection's lines carry its id and agent")
    func jsonLogLines() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        // One command a second: a burst of pings floods, and the hub closes the connection (4029),
        // which it logs twice (notice and info) about that connection.
        let hub = try await SwarmdProcess(
            serve: path, extra: ["--log-format", "json", "--log-level", "info", "--command-rate", "1"])
        let admin = try #require(hub.adminToken)
        try await withClient(hub.url) { client in
            try await client.hello(admin)
            for index in 0..<110 { try? await client.send(["type": "ping", "id": "p\(index)"]) }
            #expect(await client.closeCode() == CloseCode.flood)
        }
        try await withClient(hub.url) { client in
            let refused = try await client.failing(["type": "hello", "token": "swm_not_a_token"])
            #expect(refused.code == .unauthorized)
        }
        #expect(await hub.stop() == 0)

        let lines = hub.standardError.split(separator: "\n")
        let entries = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(!lines.isEmpty)
        #expect(entries.count == lines.count, "every line is a JSON object: \(lines.prefix(3))")
        for entry in entries {
            for key in ["timestamp", "level", "label", "message", "source"] {
                #expect(entry[key] is String, "\(key) in \(entry)")
            }
            #expect(entry["metadata"] is [String: Any])
            let timestamp = entry["timestamp"] as? String ?? ""
            #expect(ISO8601DateFormatter.withFractionalSeconds.date(from: timestamp) != nil, "\(timestamp)")
        }
        func metadata(_ message: String) -> [[String: Any]] {
            entries.filter { $0["message"] as? String == message }.compactMap { $0["metadata"] as? [String: Any] }
        }
        let flooding = try #require(metadata("closing a flooding connection").first)
        let closing = try #require(metadata("closing the connection").first)
        let failed = try #require(metadata("login failed: unknown or revoked token").first)
        let connection = try #require(flooding["swarm.connection.id"] as? String)
        #expect(flooding["swarm.agent"] as? String == "admin")
        #expect(closing["swarm.connection.id"] as? String == connection)
        #expect(closing["swarm.agent"] as? String == "admin")
        #expect(closing["swarm.close.code"] as? String == "\(CloseCode.flood)")
        // The failed hello is another connection's, not yet signed in: its id, no agent.
        #expect((failed["swarm.connection.id"] as? String).map { $0 != connection } == true)
        #expect(failed["swarm.agent"] == nil)
        #expect(entries.contains { $0["message"] as? String == "log replayed" && $0["level"] as? String == "info" })
    }
}

extension ISO8601DateFormatter {
    /// Parses the JSON log's timestamps: `2026-11-23T13:09:25.123Z`.
    fileprivate static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
