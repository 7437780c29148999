import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

/// A monitoring alert as `ticket.open` with a `dedupKey`.
func alertFrame(_ key: String, output: String = "DISK CRITICAL - free space: / 3%", queue: String? = nil)
    -> [String: Any]
{
    var frame: [String: Any] = [
        "type": "ticket.open", "title": "db1: disk / almost full", "description": output, "category": "hardware",
        "urgency": "high", "impact": "medium", "dedupKey": key,
    ]
    if let queue { frame["queue"] = queue }
    return frame
}

@Suite("Live hub: alert de-duplication")
struct AlertDedupTests {
    @Test("an alert repeated 100 times makes one ticket with a repeat count of 100, also after a restart")
    func hundredRepeats() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let monitor = try await withHub(databasePath: path) { hub in
            let monitor = try await hub.token("nagios", .requester)
            try await withClient(hub.url) { client in
                try await client.hello(monitor)
                var acks: [Ack] = []
                for n in 1...100 {
                    acks.append(try await client.command(alertFrame("nagios:db1/disk", output: "free space: / \(n)%")))
                }
                #expect(Set(acks.map(\.ticket)) == ["T-1"])
                #expect(acks.first?.repeated == nil)
                #expect(acks.dropFirst().allSatisfy { $0.repeated == true })
                try await client.command(["type": "subscribe", "channels": ["ticket:T-1"], "since": 0])
                let events = try await client.drainEvents()
                #expect(
                    events.map(\.event.type) == [EventType.ticketOpened]
                        + Array(repeating: EventType.alertRepeated, count: 99))
                if case .alertRepeated(let count, let output) = events.last?.event.payload {
                    #expect(count == 100)
                    #expect(output == "free space: / 100%")
                } else {
                    Issue.record("the last event should be alert.repeated")
                }
            }
            let state = hub.ledger.snapshot.state
            #expect(state.tickets.count == 1)
            #expect(state.tickets["T-1"]?.alert?.count == 100)
            #expect(state.tickets["T-1"]?.alert?.output == "free space: / 100%")
            #expect(state.openAlerts == ["nagios:db1/disk": "T-1"])
            // Repeats are not progress: the ticket's last update is still its opening.
            #expect(state.tickets["T-1"]?.updatedAt == state.tickets["T-1"]?.openedAt)
            return monitor
        }
        // The index is rebuilt from the log: the next repeat after a restart still folds into T-1.
        try await withHub(databasePath: path) { hub in
            #expect(hub.ledger.snapshot.state.openAlerts == ["nagios:db1/disk": "T-1"])
            let ack = try await withClient(hub.url) { client in
                try await client.hello(monitor)
                return try await client.command(alertFrame("nagios:db1/disk"))
            }
            #expect(ack.ticket == "T-1")
            #expect(ack.repeated == true)
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.alert?.count == 101)
            let detail = try await http("GET", hub.httpBase + "/v1/tickets/T-1", token: monitor)
            let ticket = detail.json["ticket"] as? [String: Any]
            let alert = ticket?["alert"] as? [String: Any]
            #expect(alert?["count"] as? Int == 101)
            #expect(alert?["key"] as? String == "nagios:db1/disk")
        }
    }

    @Test("two notifiers racing with the same key make one ticket")
    func racingNotifiers() async throws {
        try await withHub { hub in
            let token = try await hub.token("zabbix", .requester)
            try await withClient(hub.url) { first in
                try await withClient(hub.url) { second in
                    try await first.hello(token)
                    try await second.hello(token)
                    // Pipelined from two connections at once: the one writer decides them in some order.
                    for n in 0..<20 {
                        try await first.send(alertFrame("zabbix:web1/http") + ["id": "a\(n)"])
                        try await second.send(alertFrame("zabbix:web1/http") + ["id": "b\(n)"])
                    }
                    var tickets: Set<String?> = []
                    var repeated = 0
                    for (client, prefix) in [(first, "a"), (second, "b")] {
                        for n in 0..<20 {
                            guard case .ack(let ack) = try await client.reply(to: "\(prefix)\(n)").0 else {
                                Issue.record("\(prefix)\(n) was refused")
                                continue
                            }
                            tickets.insert(ack.ticket)
                            if ack.repeated == true { repeated += 1 }
                        }
                    }
                    #expect(tickets == ["T-1"])
                    #expect(repeated == 39)
                }
            }
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.alert?.count == 40)
        }
    }

    @Test("a recovery is logged; a queue with resolve_on_recovery resolves, and the next firing opens anew")
    func recovery() async throws {
        try await withHub(configure: { configuration in
            var ops = QueuePolicy()
            ops.resolveOnRecovery = true
            configuration.swarm.queues["ops"] = ops
        }) { hub in
            let token = try await hub.token("nagios", .requester)
            try await withClient(hub.url) { client in
                try await client.hello(token)
                // general: the recovery is logged, the ticket stays open for people to resolve.
                #expect(try await client.command(alertFrame("k/general")).ticket == "T-1")
                let recovered = try await client.command([
                    "type": "alert.resolve", "dedupKey": "k/general", "output": "DISK OK - free space: / 40%",
                ])
                #expect(recovered.ticket == "T-1")
                #expect(recovered.seq != nil)
                #expect(recovered.unknown == nil)
                // A second recovery logs nothing and still names the ticket.
                let again = try await client.command(["type": "alert.resolve", "dedupKey": "k/general"])
                #expect(again.ticket == "T-1")
                #expect(again.seq == nil)
                var state = hub.ledger.snapshot.state
                #expect(state.tickets["T-1"]?.status == .new)
                #expect(state.tickets["T-1"]?.alert?.recoveredAt != nil)
                #expect(state.tickets["T-1"]?.alert?.output == "DISK OK - free space: / 40%")
                // Firing again repeats on the same ticket and clears the recovery.
                #expect(try await client.command(alertFrame("k/general")).repeated == true)
                #expect(hub.ledger.snapshot.state.tickets["T-1"]?.alert?.recoveredAt == nil)

                // ops resolves on recovery; the key is then free, so the next firing is a new ticket.
                #expect(try await client.command(alertFrame("k/ops", queue: "ops")).ticket == "T-2")
                try await client.command(["type": "subscribe", "channels": ["ticket:T-2"]])
                let resolved = try await client.command([
                    "type": "alert.resolve", "dedupKey": "k/ops", "output": "OK",
                ])
                #expect(resolved.ticket == "T-2")
                let events = try await client.drainEvents()
                #expect(events.map(\.event.type) == [.alertRecovered, .statusChanged])
                state = hub.ledger.snapshot.state
                #expect(state.tickets["T-2"]?.status == .resolved)
                #expect(state.tickets["T-2"]?.resolution == "Recovered: OK")
                #expect(state.openAlerts["k/ops"] == nil)
                let next = try await client.command(alertFrame("k/ops", queue: "ops"))
                #expect(next.ticket == "T-3")
                #expect(next.repeated == nil)

                // An unknown key is answered by an ack saying so, not an error.
                let unknown = try await client.command(["type": "alert.resolve", "dedupKey": "never-fired"])
                #expect(unknown.unknown == true)
                #expect(unknown.ticket == nil)
                #expect(unknown.seq == nil)
            }
        }
    }

    @Test("bad keys get precise invalid_field errors; another requester's alert is neither joined nor named")
    func badKeysAndVisibility() async throws {
        try await withHub { hub in
            let nagios = try await hub.token("nagios", .requester)
            let other = try await hub.token("other", .requester)
            let alice = try await hub.token("alice")
            try await withClient(hub.url) { client in
                try await client.hello(nagios)
                let cases: [(Any, String)] = [
                    ("", "field 'dedupKey' must have 1 to 200 characters"),
                    (String(repeating: "k", count: 201), "field 'dedupKey' must have 1 to 200 characters"),
                    ("host\tdisk", "field 'dedupKey' may hold only printable ASCII characters (space to '~')"),
                    ("disk é", "field 'dedupKey' may hold only printable ASCII characters (space to '~')"),
                    (" disk", "field 'dedupKey' must not start or end with a space"),
                    (42, "field 'dedupKey' must be a string"),
                ]
                for (key, message) in cases {
                    var frame = alertFrame("x")
                    frame["dedupKey"] = key
                    let error = try await client.failing(frame)
                    #expect(error.code == .invalidField)
                    #expect(error.message == message)
                    let resolve = try await client.failing(["type": "alert.resolve", "dedupKey": key])
                    #expect(resolve.code == .invalidField)
                    #expect(resolve.message == message)
                }
                let missing = try await client.failing(["type": "alert.resolve"])
                #expect(missing.message == "missing field 'dedupKey'")
                let long = try await client.failing([
                    "type": "alert.resolve", "dedupKey": "k", "output": String(repeating: "x", count: 10_001),
                ])
                #expect(long.message == "field 'output' must have at most 10000 characters")
                #expect(hub.ledger.snapshot.state.tickets.isEmpty)
                #expect(try await client.command(alertFrame("shared key")).ticket == "T-1")
            }
            try await withClient(hub.url) { client in
                try await client.hello(other)
                let error = try await client.failing(alertFrame("shared key"))
                #expect(error.code == .conflict)
                #expect(!error.message.contains("T-1"))
                let resolve = try await client.command(["type": "alert.resolve", "dedupKey": "shared key"])
                #expect(resolve.unknown == true)
            }
            // An agent sees every ticket: the same key repeats on it.
            try await withClient(hub.url) { client in
                try await client.hello(alice)
                let ack = try await client.command(alertFrame("shared key"))
                #expect(ack.ticket == "T-1")
                #expect(ack.repeated == true)
            }
        }
    }

    @Test("POST /v1/tickets with dedupKey: 201 for the new ticket, 200 with repeated for a repeat")
    func restRepeat() async throws {
        try await withHub { hub in
            let token = try await hub.token("zabbix", .requester)
            let body = #"""
                {"title":"web1 HTTP down","description":"timeout","category":"service","urgency":"high",
                 "impact":"high","dedupKey":"zabbix:1234"}
                """#
            let first = try await http("POST", hub.httpBase + "/v1/tickets", token: token, body: body)
            #expect(first.status == 201)
            #expect(first.json["repeated"] == nil)
            let second = try await http("POST", hub.httpBase + "/v1/tickets", token: token, body: body)
            #expect(second.status == 200)
            #expect(second.json["repeated"] as? Bool == true)
            #expect((second.json["ticket"] as? [String: Any])?["id"] as? String == "T-1")
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    fileprivate static func + (lhs: Self, rhs: Self) -> Self { lhs.merging(rhs) { $1 } }
}
