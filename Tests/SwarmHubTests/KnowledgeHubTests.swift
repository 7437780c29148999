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

    @Test(
        "an article's language: given or detected, a bad one refused with nothing logged, searches filtered, kept across a restart"
    )
    func articleLanguage() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        try await withHub(databasePath: path) { hub in
            let alice = try await hub.token("alice")
            let rita = try await hub.token("rita", .requester)
            try await Self.writeAndSearch(hub, agent: alice, requester: rita)
        }
        // After a restart the language is still there, on the article and in the search.
        try await withHub(databasePath: path) { hub in
            let rita = try await hub.token("rita2", .requester)
            #expect(hub.ledger.snapshot.state.articles["KB-2"]?.language == "de")
            let article = try await http("GET", hub.httpBase + "/v1/kb/KB-2", token: rita)
            #expect(article.json["language"] as? String == "de")
            try await Self.expectFiltered(hub, token: rita)
        }
    }

    @Test("an article's language over PostgreSQL: given or detected, and searches filtered")
    func articleLanguageOnPostgres() async throws {
        guard PostgresTestDatabase.isAvailable else { return }
        try await withPostgresHub { hub in
            let alice = try await hub.token("alice")
            let rita = try await hub.token("rita", .requester)
            try await Self.writeAndSearch(hub, agent: alice, requester: rita)
        }
    }

    /// Writes KB-1 (en, given, over REST), KB-2 (German, detected, over the WebSocket) and KB-3
    /// (undecided), has bad languages refused, and searches with and without a language.
    static func writeAndSearch(_ hub: TestHub, agent alice: String, requester rita: String) async throws {
        let english = try await http(
            "POST", hub.httpBase + "/v1/kb", token: alice,
            body: #"{"title":"Printer jams","body":"Open the tray and pull the paper out.","language":"en"}"#)
        #expect(english.status == 201)
        #expect(english.json["language"] as? String == "en")
        try await withClient(hub.url) { a in
            try await a.hello(alice)
            try await a.command(["type": "subscribe", "channels": ["kb"]])
            let german = try await a.command([
                "type": "kb.create", "title": "Drucker meldet Papierstau",
                "body": "Die vordere Klappe öffnen und das eingeklemmte Papier vorsichtig herausziehen.",
            ])
            #expect(german.article == "KB-2")
            let created = try #require(try await a.drainEvents().first { $0.event.type == .kbCreated })
            guard case .kbCreated(let article) = created.event.payload else { return }
            #expect(article.language == "de", "detected, and carried by the event")
            let undecided = try await a.command(["type": "kb.create", "title": "Drucker printer", "body": "Toner"])
            #expect(undecided.article == "KB-3")
            #expect(hub.ledger.snapshot.state.articles["KB-3"]?.language == nil)
            _ = try await a.drainEvents()

            // Refused whole: no event, no article number taken, the log where it was.
            let seq = hub.ledger.snapshot.seq
            for bad in ["fr", "", "DE"] {
                let refused = try await a.failing([
                    "type": "kb.create", "title": "Drucker", "body": "Toner", "language": bad,
                ])
                #expect(refused.code == .invalidField)
                #expect(refused.message == "field 'language' must be de or en")
            }
            let number = try await a.failing(["type": "kb.create", "title": "Drucker", "body": "Toner", "language": 5])
            #expect(number.code == .invalidField)
            #expect(number.message == "field 'language' must be a string")
            #expect(hub.ledger.snapshot.seq == seq)
            #expect(hub.ledger.snapshot.state.articles.count == 3)
            #expect(try await a.drainEvents().isEmpty)
        }
        let rest = try await http(
            "POST", hub.httpBase + "/v1/kb", token: alice, body: #"{"title":"Drucker","body":"Toner","language":"fr"}"#)
        #expect(rest.status == 400)
        #expect((rest.json["error"] as? [String: Any])?["message"] as? String == "field 'language' must be de or en")
        let restNumber = try await http(
            "POST", hub.httpBase + "/v1/kb", token: alice, body: #"{"title":"Drucker","body":"Toner","language":5}"#)
        #expect(restNumber.status == 400)
        #expect(
            (restNumber.json["error"] as? [String: Any])?["message"] as? String == "field 'language' must be a string")
        #expect(hub.ledger.snapshot.state.articles.count == 3)
        let article = try await http("GET", hub.httpBase + "/v1/kb/KB-2", token: rita)
        #expect(article.json["language"] as? String == "de")
        #expect(try await http("GET", hub.httpBase + "/v1/kb/KB-3", token: rita).json["language"] == nil)
        try await expectFiltered(hub, token: rita)
    }

    /// Searches KB-1 (en), KB-2 (de) and KB-3 (none) with and without a language, over REST and the WebSocket.
    static func expectFiltered(_ hub: TestHub, token: String) async throws {
        func ids(_ query: String) async throws -> Set<String> {
            let found = try await http(
                "GET", hub.httpBase + "/v1/kb?q=drucker%20printer%20papier" + query, token: token)
            #expect(found.status == 200)
            return Set((found.json["articles"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        }
        #expect(try await ids("") == ["KB-1", "KB-2", "KB-3"])
        #expect(try await ids("&language=de") == ["KB-2", "KB-3"])
        #expect(try await ids("&language=en&limit=10") == ["KB-1", "KB-3"])
        let bad = try await http("GET", hub.httpBase + "/v1/kb?q=drucker&language=english", token: token)
        #expect(bad.status == 400)
        #expect((bad.json["error"] as? [String: Any])?["message"] as? String == "field 'language' must be de or en")
        try await withClient(hub.url) { r in
            try await r.hello(token)
            try await r.send(["type": "kb.search", "id": "q", "query": "drucker printer papier", "language": "en"])
            let (frame, _) = try await r.reply(to: "q")
            guard case .ack(let found) = frame else { throw TestFailure("kb.search failed: \(frame)") }
            #expect(Set(found.articles?.map(\.id) ?? []) == ["KB-1", "KB-3"])
            #expect(found.articles?.first { $0.id == "KB-1" }?.language == "en")
            #expect(found.articles?.first { $0.id == "KB-3" }?.language == nil)
            let refused = try await r.failing(["type": "kb.search", "query": "drucker", "language": "fr"])
            #expect(refused.code == .invalidField)
            #expect(refused.message == "field 'language' must be de or en")
        }
    }
}
