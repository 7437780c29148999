import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmHub

/// Issue 27, item 1: the work list and `next`, through the real hub's REST API.
@Suite("The work list: filters, orders, cursors and the next ticket")
struct WorkListTests {
    func ids(_ json: [String: Any]) -> [String] {
        (json["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test("filters combine, every order pages by cursor without gaps, SLA deadlines come with staff's list")
    func listAndOrders() async throws {
        try await withHub(configure: {
            var policy = QueuePolicy()
            policy.sla = .standard
            $0.swarm.defaultQueue = policy
        }) { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                // T-1 … T-6: urgency and impact give P1 … P4; T-5 is about a printer jam in German.
                for (title, urgency, impact) in [
                    ("VPN down for everyone", "high", "high"), ("Outlook slow", "low", "low"),
                    ("Laptop screen flickers", "medium", "medium"), ("New mouse", "low", "medium"),
                    ("Drucker meldet Papierstau", "high", "medium"), ("Password reset", "medium", "low"),
                ] {
                    var frame = openFrame(title)
                    frame["urgency"] = urgency
                    frame["impact"] = impact
                    try await requester.command(frame)
                }
            }
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                try await agent.command(["type": "swarm.join", "ticket": "T-3"])
                try await agent.command(["type": "owner.add", "ticket": "T-2", "agent": "alice"])
                try await agent.command([
                    "type": "ticket.status", "ticket": "T-6", "status": "resolved", "resolution": "reset",
                ])
            }
            func list(_ query: String, token: String) async throws -> [String: Any] {
                let answer = try await http("GET", hub.httpBase + "/v1/tickets?" + query, token: token)
                #expect(answer.status == 200, "\(query): \(answer.json)")
                return answer.json
            }
            #expect(ids(try await list("open=true", token: alice)) == ["T-5", "T-4", "T-3", "T-2", "T-1"])
            #expect(ids(try await list("member=alice&open=true", token: alice)) == ["T-3", "T-2"])
            #expect(ids(try await list("owner=alice", token: alice)) == ["T-2"])
            #expect(ids(try await list("priority=P1,P2", token: alice)) == ["T-5", "T-1"])
            #expect(
                ids(try await list("status=new,in_progress&open=true", token: alice)) == [
                    "T-5", "T-4", "T-3", "T-2", "T-1",
                ])
            // Words, case and accents ignored, in the title, description or a comment the reader may see.
            #expect(ids(try await list("q=DRUCKER%20papierstau", token: alice)) == ["T-5"])
            #expect(ids(try await list("q=drucker%20vpn", token: alice)).isEmpty)
            // Another form of the word (German stems), and a part of a word as written.
            #expect(ids(try await list("q=Druckern", token: alice)) == ["T-5"])
            #expect(ids(try await list("q=papiers", token: alice)) == ["T-5"])
            // Orders: priority (P1 first, oldest first within), age, and the SLA deadline (nearest first).
            #expect(
                ids(try await list("sort=priority&open=true", token: alice)) == ["T-1", "T-5", "T-3", "T-2", "T-4"])
            #expect(ids(try await list("sort=age", token: alice)) == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"])
            let byDeadline = try await list("sort=deadline&open=true", token: alice)
            #expect(ids(byDeadline).first == "T-1", "P1's first response is due first")
            let deadlines = try #require(byDeadline["deadlines"] as? [String: String])
            #expect(Set(deadlines.keys) == ["T-1", "T-2", "T-3", "T-4", "T-5"])
            // Every order pages by cursor: two at a time, each ticket once, in the order of one page.
            for sort in WorkListOrder.allCases {
                let whole = ids(try await list("sort=\(sort.rawValue)", token: alice))
                var paged: [String] = []
                var after = ""
                while true {
                    let page = try await list("sort=\(sort.rawValue)&limit=2" + after, token: alice)
                    paged += ids(page)
                    guard let next = page["next"] as? String else { break }
                    after = "&after=" + next
                }
                #expect(paged == whole && whole.count == 6, "\(sort)")
            }
            // A requester: her own only, and no deadlines.
            let hers = try await list("sort=priority", token: rita)
            #expect(ids(hers).count == 6 && hers["deadlines"] == nil)
            // Bad queries are refused, naming the parameter.
            // After a ticket named by its id, in any order; a ticket that does not exist is 404.
            #expect(ids(try await list("sort=priority&open=true&after=T-3", token: alice)) == ["T-2", "T-4"])
            let missing = try await http("GET", hub.httpBase + "/v1/tickets?sort=age&after=T-99", token: alice)
            #expect(missing.status == 404)
            for query in ["sort=fastest", "priority=P9", "open=yes", "sort=priority&after=3_x", "status=nope"] {
                let refused = try await http("GET", hub.httpBase + "/v1/tickets?" + query, token: alice)
                #expect(refused.status == 400, "\(query)")
            }
        }
    }

    @Test("next offers the highest priority nobody has taken, one of my skills first, with the reasons")
    func next() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let dana = try await hub.token("dana", .expert)
            try await withClient(hub.url) { agent in
                try await agent.hello(dana)
                try await agent.command(["type": "skills.set", "skills": ["network.vpn": 4]])
            }
            let nothing = try await http("GET", hub.httpBase + "/v1/tickets/next", token: dana)
            #expect(nothing.status == 404)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                var printer = openFrame("Printer jams")
                printer["category"] = "hardware"
                printer["skills"] = ["hardware"]
                try await requester.command(printer)
                var vpn = openFrame("VPN drops")
                vpn["skills"] = ["network.vpn"]
                try await requester.command(vpn)
            }
            let offered = try await http("GET", hub.httpBase + "/v1/tickets/next", token: dana)
            #expect(offered.status == 200)
            #expect((offered.json["ticket"] as? [String: Any])?["id"] as? String == "T-2", "\(offered.json)")
            let reasons = offered.json["reasons"] as? [String] ?? []
            #expect(reasons.contains { $0.contains("network.vpn (your level 4)") }, "\(reasons)")
            let requester = try await http("GET", hub.httpBase + "/v1/tickets/next", token: rita)
            #expect(requester.status == 403)
        }
    }
}
