import Foundation
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@Suite("Live hub: knowledge base")
struct KnowledgeHubTests {
    @Test("a requester's ticket about a known problem gets a suggestion, and resolving with it is a deflection")
    func suggestionAndDeflection() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        try await withHub(databasePath: path) { hub in
            let alice = try await hub.token("alice")
            let rita = try await hub.token("rita", .requester)
            // Written over REST and over the WebSocket.
            let created = try await http(
                "POST", hub.httpBase + "/v1/kb", token: alice,
                body: #"{"title":"VPN drops every hour","body":"Set the tunnel MTU to 1400.","tags":["vpn"]}"#)
            #expect(created.status == 201)
            #expect(created.json["id"] as? String == "KB-1")
            #expect(created.headers["Location"] as? String == "/v1/kb/KB-1")
            // A retry with the same Idempotency-Key gets the same article, not a second one.
            let article = #"{"title":"Retry me","body":"once"}"#
            let first = try await http(
                "POST", hub.httpBase + "/v1/kb", token: alice, body: article, headers: ["Idempotency-Key": "kb-7"])
            let retry = try await http(
                "POST", hub.httpBase + "/v1/kb", token: alice, body: article, headers: ["Idempotency-Key": "kb-7"])
            #expect(first.json["id"] as? String == "KB-2")
            #expect(retry.json["id"] as? String == "KB-2")
            #expect(hub.ledger.snapshot.state.articles.count == 2)
            try await withClient(hub.url) { a in
                try await a.hello(alice)
                let ack = try await a.command(["type": "kb.create", "title": "Printer jams", "body": "Open tray 2."])
                #expect(ack.article == "KB-3")
            }
            try await withClient(hub.url) { r in
                try await r.hello(rita)
                try await r.command(["type": "subscribe", "channels": ["agent:rita"]])
                let opened = try await r.command([
                    "type": "ticket.open", "title": "My VPN drops", "description": "every hour since Monday",
                    "category": "network", "urgency": "medium", "impact": "low",
                ])
                let id = try #require(opened.ticket)
                let suggested = try await r.event { $0.event.type == .kbSuggested }
                guard case .kbSuggested(let articles) = suggested.event.payload else { return }
                #expect(articles.map(\.id) == ["KB-1"])
                // Searching works for requesters too: it is self-service.
                try await r.send(["type": "kb.search", "id": "q", "query": "vpn hourly drops"])
                let (frame, _) = try await r.reply(to: "q")
                guard case .ack(let found) = frame else { throw TestFailure("kb.search failed: \(frame)") }
                #expect(found.articles?.first?.id == "KB-1")
                #expect(found.seq == nil)
                let applied = try await r.command(["type": "kb.apply", "ticket": id, "article": "KB-1"])
                #expect(applied.seq == hub.ledger.snapshot.seq)
                let ticket = hub.ledger.snapshot.state.tickets[id]
                #expect(ticket?.status == .resolved)
                #expect(ticket?.deflected == true)
                #expect(ticket?.suggestedArticles == ["KB-1"])
                let refused = try await r.failing(["type": "kb.create", "title": "x", "body": "y"])
                #expect(refused.code == .forbidden)
                let empty = try await r.failing(["type": "kb.search", "query": "  "])
                #expect(empty.code == .invalidField)
            }
            // Capture the solved ticket as a draft, over REST.
            let captured = try await http(
                "POST", hub.httpBase + "/v1/kb/capture", token: alice, body: #"{"ticket":"T-1"}"#)
            #expect(captured.status == 201)
            #expect(captured.json["status"] as? String == "draft")
            #expect(captured.json["source"] as? String == "T-1")
            let early = try await http(
                "POST", hub.httpBase + "/v1/kb/capture", token: alice, body: #"{"ticket":"T-9"}"#)
            #expect(early.status == 404)
            // Drafts are not found by requesters, and not in searches.
            #expect(try await http("GET", hub.httpBase + "/v1/kb/KB-4", token: rita).status == 404)
            #expect(try await http("GET", hub.httpBase + "/v1/kb/KB-4", token: alice).status == 200)
        }
        // After a restart the index is still there (it is written with the events).
        try await withHub(databasePath: path) { hub in
            let rita = try await hub.token("rita2", .requester)
            let search = try await http("GET", hub.httpBase + "/v1/kb?q=vpn&limit=3", token: rita)
            #expect(search.status == 200)
            #expect((search.json["articles"] as? [[String: Any]])?.map { $0["id"] as? String } == ["KB-1"])
            #expect(try await http("GET", hub.httpBase + "/v1/kb?q=", token: rita).status == 400)
            #expect(hub.ledger.snapshot.state.articles.count == 4)
        }
    }
}
