import Foundation
import HTTPTypes
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends an HTTP request to a live hub; returns status and parsed JSON body.
func http(
    _ method: String, _ url: String, token: String? = nil, body: String? = nil, headers: [String: String] = [:]
) async throws -> (status: Int, json: [String: Any], headers: [AnyHashable: Any]) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    return (http.statusCode, json, http.allHeaderFields)
}

let openBody =
    #"{"title":"Laptop will not boot","description":"black screen","category":"hardware","urgency":"medium","impact":"low"}"#

@Suite("Live hub: REST")
struct RestTests {
    @Test("GET / is a page linking the portal and the dashboard, in German for a German browser or ?lang=de")
    func frontPage() async throws {
        try await withHub { hub in
            func page(_ path: String, language: String? = nil) async throws -> (Int, String, HTTPURLResponse) {
                var request = URLRequest(url: URL(string: hub.httpBase + path)!)
                if let language { request.setValue(language, forHTTPHeaderField: "Accept-Language") }
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                return (http.statusCode, String(decoding: data, as: UTF8.self), http)
            }
            let (status, english, response) = try await page("/")
            #expect(status == 200)
            #expect(response.value(forHTTPHeaderField: "Content-Type") == "text/html; charset=utf-8")
            #expect(response.value(forHTTPHeaderField: "Vary") == "Accept-Language")
            #expect(english.contains(#"<html lang="en">"#))
            #expect(english.contains(#"href="/portal""#) && english.contains(#"href="/dashboard""#))
            #expect(english.contains("Help portal") && english.contains(#"href="/?lang=de""#))
            for (path, language) in [("/", "de-DE,de;q=0.9,en;q=0.8"), ("/?lang=de", "en-US"), ("/?lang=de", nil)] {
                let (status, german, _) = try await page(path, language: language)
                #expect(status == 200)
                #expect(german.contains(#"<html lang="de">"#), "\(path) \(language ?? "-")")
                #expect(german.contains("Hilfeportal") && german.contains(#"href="/portal""#))
                #expect(german.contains(#"href="/dashboard""#) && german.contains(#"href="/?lang=en""#))
            }
            #expect(try await page("/?lang=en", language: "de").1.contains(#"<html lang="en">"#))
            #expect(try await page("/", language: "fr-FR,fr;q=0.9").1.contains(#"<html lang="en">"#))
            // Every file the pages link is served.
            #expect(try await page("/home.css").0 == 200)
            #expect(try await page("/portal").0 == 200)
            #expect(try await page("/dashboard").0 == 200)
            let (post, _, headers) = try await http("POST", hub.httpBase + "/")
            #expect(post == 405)
            #expect(headers["Allow"] as? String == "GET")
        }
    }

    @Test("the front page's language: ?lang wins, then the browser's highest weight among German and English")
    func frontPageLanguage() {
        #expect(HomePage.language(asked: nil, accepted: nil) == "en")
        #expect(HomePage.language(asked: "DE", accepted: "en") == "de")
        #expect(HomePage.language(asked: "fr", accepted: "de-AT") == "de")
        #expect(HomePage.language(asked: nil, accepted: "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == "en")
        #expect(HomePage.language(asked: nil, accepted: "en;q=0.5,de;q=0.6") == "de")
        #expect(HomePage.language(asked: nil, accepted: "de;q=0,en;q=0.1") == "en")
        #expect(HomePage.language(asked: nil, accepted: "da, en-GB;q=0.8") == "en")
    }

    @Test func healthNeedsNoToken() async throws {
        try await withHub { hub in
            let (status, json, _) = try await http("GET", hub.httpBase + "/health")
            #expect(status == 200)
            #expect(json["status"] as? String == "ok")
            #expect(json["protocol"] as? Int == 1)
        }
    }

    @Test("a method a path does not serve is 405 with Allow; a body that is not an object is named so")
    func methodNotAllowedAndNonObjectBody() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            // Found by schemathesis (Tests/Contract): these were the 404 of a path that does not exist.
            for (method, path, allow) in [
                ("DELETE", "/v1/tickets", "GET, POST"), ("PUT", "/v1/tickets/T-1", "GET"),
                ("TRACE", "/health", "GET, HEAD"), ("GET", "/v1/alerts", "POST"), ("POST", "/dashboard", "GET"),
            ] {
                let (status, _, headers) = try await http(method, hub.httpBase + path, token: alice)
                #expect(status == 405, "\(method) \(path)")
                #expect(headers["Allow"] as? String == allow, "\(method) \(path)")
            }
            #expect(try await http("DELETE", hub.httpBase + "/v1/nothing", token: alice).status == 404)
            // Was "field '' must be of type Dictionary<String, Any>".
            for body in ["0", "[]", #""title""#] {
                let (status, json, _) = try await http("POST", hub.httpBase + "/v1/tickets", token: alice, body: body)
                #expect(status == 400)
                let error = json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "invalid_field")
                #expect(error?["message"] as? String == "the body must be a JSON object", "\(body)")
            }
        }
    }

    @Test func openListAndReadTickets() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let (status, created, headers) = try await http(
                "POST", hub.httpBase + "/v1/tickets", token: alice, body: openBody)
            #expect(status == 201)
            let ticket = created["ticket"] as? [String: Any]
            #expect(ticket?["id"] as? String == "T-1")
            #expect(ticket?["priority"] as? String == "P4")
            #expect(created["seq"] as? Int == 1)
            #expect(headers["Location"] as? String == "/v1/tickets/T-1")
            // The ticket is visible to a WebSocket client too: one log, one state.
            try await withClient(hub.url) { c in
                try await c.hello(alice)
                try await c.command(["type": "comment.add", "ticket": "T-1", "body": "tried safe mode"])
                try await c.command(["type": "ticket.status", "ticket": "T-1", "status": "open"])
            }
            let list = try await http("GET", hub.httpBase + "/v1/tickets?status=open", token: alice)
            #expect((list.json["tickets"] as? [[String: Any]])?.map { $0["id"] as? String } == ["T-1"])
            let none = try await http("GET", hub.httpBase + "/v1/tickets?queue=elsewhere", token: alice)
            #expect((none.json["tickets"] as? [Any])?.isEmpty == true)
            let detail = try await http("GET", hub.httpBase + "/v1/tickets/T-1", token: alice)
            #expect(detail.status == 200)
            let events = detail.json["events"] as? [[String: Any]]
            // Seq 2 is alice coming online over the WebSocket; it is not an event of T-1.
            #expect(events?.map { $0["seq"] as? Int } == [1, 3, 4])
            let comments = (detail.json["ticket"] as? [String: Any])?["comments"] as? [[String: Any]]
            #expect(comments?.first?["body"] as? String == "tried safe mode")
        }
    }

    @Test func idempotencyKeyMakesPostSafeToRetry() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let first = try await http(
                "POST", hub.httpBase + "/v1/tickets", token: alice, body: openBody, headers: ["Idempotency-Key": "k1"])
            let again = try await http(
                "POST", hub.httpBase + "/v1/tickets", token: alice, body: openBody, headers: ["Idempotency-Key": "k1"])
            #expect(first.status == 201)
            #expect(again.status == 201)
            #expect((again.json["ticket"] as? [String: Any])?["id"] as? String == "T-1")
            #expect(hub.ledger.snapshot.state.tickets.count == 1)
        }
    }

    @Test(
        "bad REST input gets a precise error body and changes nothing",
        arguments: [
            ("POST", "/v1/tickets", "not json", 400, "invalid_field"),
            ("POST", "/v1/tickets", #"{"title":"x"}"#, 400, "invalid_field"),
            (
                "POST", "/v1/tickets",
                #"{"title":"","description":"","category":"other","urgency":"low","impact":"low"}"#, 400,
                "invalid_field"
            ),
            ("POST", "/v1/tickets", String(repeating: " ", count: 70_000), 413, "too_large"),
            ("GET", "/v1/tickets?status=sleeping", nil, 400, "invalid_field"),
            ("GET", "/v1/tickets/T-99", nil, 404, "not_found"),
        ] as [(String, String, String?, Int, String)])
    func badRequests(method: String, path: String, body: String?, status: Int, code: String) async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            let response = try await http(method, hub.httpBase + path, token: alice, body: body)
            #expect(response.status == status)
            let error = response.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == code)
            #expect((error?["message"] as? String)?.isEmpty == false)
            #expect(hub.ledger.snapshot.seq == 0)
        }
    }

    @Test func tokensAreRequired() async throws {
        try await withHub { hub in
            let missing = try await http("GET", hub.httpBase + "/v1/tickets")
            #expect(missing.status == 401)
            #expect((missing.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            let wrong = try await http("GET", hub.httpBase + "/v1/tickets", token: "swm_wrong")
            #expect(wrong.status == 401)
        }
    }
}

@Suite("Live hub: roles and authentication")
struct RoleTests {
    @Test("requesters open tickets and see only their own, over WebSocket and REST")
    func requesters() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let rob = try await hub.token("rob", .requester)
            try await withClient(hub.url) { c in
                try await c.hello(rita)
                let ack = try await c.command(openFrame("my mailbox is full"))
                #expect(ack.ticket == "T-1")
                try await c.command(["type": "subscribe", "channels": ["ticket:T-1", "agent:rita"]])
                #expect(try await c.failing(["type": "subscribe", "channels": ["queue:general"]]).code == .forbidden)
                #expect(try await c.failing(["type": "swarm.join", "ticket": "T-1"]).code == .forbidden)
            }
            try await withClient(hub.url) { c in
                try await c.hello(rob)
                #expect(try await c.failing(["type": "subscribe", "channels": ["ticket:T-1"]]).code == .notFound)
                #expect(
                    try await c.failing(["type": "comment.add", "ticket": "T-1", "body": "me too"]).code == .notFound)
                #expect(try await c.failing(["type": "subscribe", "channels": ["agent:rita"]]).code == .forbidden)
            }
            let robsList = try await http("GET", hub.httpBase + "/v1/tickets", token: rob)
            #expect((robsList.json["tickets"] as? [Any])?.isEmpty == true)
            #expect(try await http("GET", hub.httpBase + "/v1/tickets/T-1", token: rob).status == 404)
            #expect(try await http("GET", hub.httpBase + "/v1/tickets/T-1", token: rita).status == 200)
        }
    }

    @Test("a bearer token on the upgrade authenticates at once; a bad one is refused")
    func bearerUpgrade() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(alice)"
            try await withClient(hub.url, headers: headers) { c in
                guard case .welcome(let welcome) = try await c.next() else { throw TestFailure("expected welcome") }
                #expect(welcome.agent == "alice")
                #expect(welcome.role == .agent)
                #expect(welcome.protocol == 1)
                try await c.command(openFrame("no hello needed"))
            }
            headers[.authorization] = "Bearer swm_forged"
            await #expect(throws: (any Error).self) {
                try await withClient(hub.url, headers: headers) { c in _ = try await c.next(timeout: .seconds(3)) }
            }
        }
    }

    @Test("a revoked token is refused at the next hello")
    func revoked() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice")
            _ = try await hub.store.revokeTokens("alice", at: systemClock())
            try await withClient(hub.url) { c in
                try await c.send(["type": "hello", "id": "h", "token": alice])
                guard case .error(let error) = try await c.next() else { throw TestFailure("expected an error") }
                #expect(error.code == .unauthorized)
            }
        }
    }

    @Test("a connection that never says hello is closed with 4001")
    func helloTimeout() async throws {
        try await withHub(configure: { $0.helloTimeout = .seconds(1) }) { hub in
            try await withClient(hub.url) { c in
                let code = await c.closeCode(timeout: .seconds(10))
                #expect(code == CloseCode.helloTimeout)
            }
        }
    }
}
