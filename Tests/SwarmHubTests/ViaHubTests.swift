import Foundation
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

/// `ticket.open {requester, via}` over WebSocket and REST (issue 26, item 5): an agent records a call
/// or a walk-up for a requester, whose ticket it then is; every ticket says how it came in.
@Suite("Live hub: the phone and the desk (ticket.open requester and via)")
struct ViaHubTests {
    /// A hub that takes requesters by address from example.com and example.org.
    func withDesk(_ body: @Sendable (TestHub) async throws -> Void) async throws {
        try await withHub(configure: { $0.mailDomains = ["example.com", "example.org"] }, body)
    }

    /// `openFrame` for `requester`, `via`.
    func openFor(_ requester: String?, via: String? = nil, title: String = "Cannot print") -> [String: Any] {
        var frame = openFrame(title)
        if let requester { frame["requester"] = requester }
        if let via { frame["via"] = via }
        return frame
    }

    /// The body of POST /v1/tickets for `requester`, `via`.
    func body(_ requester: String?, via: String? = nil) throws -> String {
        var body: [String: Any] = [
            "title": "Walked up: screen flickers", "description": "", "category": "hardware", "urgency": "low",
            "impact": "low",
        ]
        if let requester { body["requester"] = requester }
        if let via { body["via"] = via }
        return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
    }

    @Test("an agent opens for a known requester over WS and REST: hers in her list and her events, nobody else's")
    func openForKnownRequester() async throws {
        try await withDesk { hub in
            let rita = try await hub.token("rita", .requester)
            let rob = try await hub.token("rob", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { ritaClient in
                try await ritaClient.hello(rita)
                try await ritaClient.command(["type": "subscribe", "channels": ["agent:rita"]])
                try await withClient(hub.url) { robClient in
                    try await robClient.hello(rob)
                    try await robClient.command(["type": "subscribe", "channels": ["agent:rob"]])
                    let ack = try await withClient(hub.url) { agent in
                        try await agent.hello(alice)
                        return try await agent.command(openFor("rita", via: "phone"))
                    }
                    #expect(ack.ticket == "T-1")
                    let opened = try await REST.post(hub, token: alice, body: try body("rita", via: "walk-in"))
                    #expect(opened.status == 201)
                    #expect(opened.ticket?.requester == "rita" && opened.ticket?.via == .walkIn)
                    // Her live events: both openings, as hers.
                    let events = try await ritaClient.drainEvents()
                    let states = events.compactMap { frame -> Ticket? in
                        if case .ticketOpened(let ticket) = frame.event.payload { return ticket }
                        return nil
                    }
                    #expect(states.map(\.id) == ["T-1", "T-2"])
                    #expect(states.map(\.requester) == ["rita", "rita"])
                    #expect(states.map(\.via) == [.phone, .walkIn])
                    #expect(events.allSatisfy { $0.event.actor == "alice" })
                    #expect(try await robClient.drainEvents().isEmpty, "rob sees none of rita's tickets")
                    // She may follow the ticket and comment on it; rob may not see it.
                    try await ritaClient.command(["type": "subscribe", "channels": ["ticket:T-1"]])
                    try await ritaClient.command(["type": "comment.add", "ticket": "T-1", "body": "Thanks!"])
                    let refused = try await robClient.failing(["type": "subscribe", "channels": ["ticket:T-1"]])
                    #expect(refused.code == .notFound)
                }
            }
            // Her list holds both; rob's none.
            #expect(try await REST.list(hub, token: rita) == ["T-2", "T-1"])
            #expect(try await REST.list(hub, token: rob) == [])
            let detail = try await http("GET", hub.httpBase + "/v1/tickets/T-1", token: rita)
            #expect(detail.status == 200)
            #expect(
                (detail.json["ticket"] as? [String: Any])?["via"] as? String == "phone", "her view says how it came in")
            #expect(try await http("GET", hub.httpBase + "/v1/tickets/T-1", token: rob).status == 404)
        }
    }

    @Test("addresses from allowed domains only; staff names, unknown names, bad forms and others' names refused")
    func refusals() async throws {
        try await withDesk { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            _ = try await hub.token("bob", .lead)
            _ = try await hub.token("gone", .requester)
            _ = try await hub.store.revokeTokens("gone", at: systemClock())
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                // An address from an allowed domain: the domain is read in lower case.
                let byMail = try await agent.command(openFor("Rita.Smith@Example.COM", via: "email"))
                let ticket = try #require(hub.ledger.snapshot.state.tickets[byMail.ticket ?? ""])
                #expect(ticket.requester == "Rita.Smith@example.com" && ticket.via == .email)
                // A requester whose tokens are all revoked is still a requester.
                try await agent.command(openFor("gone", via: "chat"))
                // Another domain: forbidden, saying which domains are allowed.
                let foreign = try await agent.failing(openFor("rita@example.net"))
                #expect(foreign.code == .forbidden)
                #expect(
                    foreign.message
                        == "field 'requester': example.net is not an allowed mail domain; this hub takes requesters by address from example.com, example.org only"
                )
                // Subdomains are not included.
                #expect(try await agent.failing(openFor("rita@mail.example.com")).code == .forbidden)
                // A staff name, the sender's own included: names keep their audience.
                for staff in ["bob", "alice"] {
                    let refused = try await agent.failing(openFor(staff))
                    #expect(refused.code == .invalidField, "\(staff)")
                    #expect(refused.message.contains("\(staff) is staff"), "\(refused.message)")
                }
                let unknown = try await agent.failing(openFor("nobody"))
                #expect(unknown.code == .notFound)
                #expect(unknown.message.hasPrefix("no requester nobody"))
                for bad in ["rita smith", "rita@", "@example.com", "rita@@example.com", "rita@localhost", ""] {
                    let refused = try await agent.failing(openFor(bad))
                    #expect(refused.code == .invalidField, "'\(bad)'")
                    #expect(refused.message == RequesterName.formProblem, "'\(bad)': \(refused.message)")
                }
                let badVia = try await agent.failing(openFor("rita", via: "fax"))
                #expect(badVia.code == .invalidField)
                #expect(badVia.message.contains("phone, email, portal, chat, walk-in, monitoring, api"))
            }
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                let other = try await requester.failing(openFor("rob"))
                #expect(other.code == .forbidden)
                #expect(other.message == "requesters open tickets for themselves only; leave out 'requester'")
                let phoned = try await requester.failing(openFor(nil, via: "phone"))
                #expect(phoned.code == .forbidden)
                // Herself, and the portal, mean what leaving them out means.
                let own = try await requester.command(openFor("rita", via: "portal"))
                let mine = try #require(hub.ledger.snapshot.state.tickets[own.ticket ?? ""])
                #expect(mine.requester == "rita" && mine.via == .portal)
            }
            // The same rules over REST, with their HTTP statuses.
            #expect(try await REST.post(hub, token: alice, body: try body("rita@example.net")).status == 403)
            #expect(try await REST.post(hub, token: alice, body: try body("bob")).status == 400)
            #expect(try await REST.post(hub, token: alice, body: try body("nobody")).status == 404)
            #expect(try await REST.post(hub, token: rita, body: try body("rob")).status == 403)
            #expect(try await REST.post(hub, token: rita, body: try body(nil, via: "walk-in")).status == 403)
        }
    }

    @Test("via is recorded, and defaults per path: requester portal, staff api, an alert monitoring")
    func defaults() async throws {
        try await withDesk { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            let monitor = try await hub.token("alertmanager", .requester)
            try await withClient(hub.url) { client in
                try await client.hello(rita)
                try await client.command(openFor(nil))  // T-1
            }
            _ = try await REST.post(hub, token: rita, body: try body(nil))  // T-2
            try await withClient(hub.url) { client in
                try await client.hello(alice)
                try await client.command(openFor(nil))  // T-3
                var alert = openFor(nil)
                alert["dedupKey"] = "nagios:db1/disk"
                try await client.command(alert)  // T-4
                try await client.command(openFor("rita", via: "chat"))  // T-5
            }
            _ = try await REST.post(hub, token: alice, body: try body(nil))  // T-6
            // T-7: Alertmanager's webhook, with a requester's token.
            let hook = try await http(
                "POST", hub.httpBase + "/v1/alerts", token: monitor, body: try webhook([amAlert()]))
            #expect(hook.status == 200)
            let tickets = hub.ledger.snapshot.state.tickets
            let vias = (1...7).map { tickets[Ticket.id(number: $0)]?.via }
            #expect(vias == [.portal, .portal, .api, .monitoring, .chat, .api, .monitoring])
            #expect(tickets["T-5"]?.requester == "rita" && tickets["T-3"]?.requester == "alice")
        }
    }

    @Test("GET /v1/metrics breaks the figures down by via, in JSON and CSV")
    func metricsByVia() async throws {
        try await withDesk { hub in
            _ = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            let lena = try await hub.token("lena", .lead)
            try await withClient(hub.url) { client in
                try await client.hello(alice)
                let call = try await client.command(openFor("rita", via: "phone"))
                try await client.command(openFor("rita", via: "phone", title: "Still cannot print"))
                try await client.command(openFor("rita@example.org", via: "walk-in"))
                try await client.command(["type": "ticket.status", "ticket": call.ticket!, "status": "resolved"])
            }
            let (status, data) = try await REST.get(hub, "/v1/metrics", token: lena)
            #expect(status == 200)
            let report = try JSONDecoder().decode(MetricsReport.self, from: data)
            #expect(report.byVia.map(\.via) == Via.allCases)
            #expect(report[via: .phone]?.opened == 2 && report[via: .phone]?.resolved == 1)
            #expect(report[via: .walkIn]?.opened == 1 && report[via: .walkIn]?.backlog == 1)
            #expect(report[via: .portal]?.opened == 0)
            let csv = try await httpText(hub.httpBase + "/v1/metrics?format=csv", token: lena)
            let lines = csv.text.split(separator: "\n")
            #expect(lines.first?.hasSuffix(",utilisation,via") == true)
            #expect(lines.contains { $0.hasPrefix(",2,1,1,") && $0.hasSuffix(",phone") }, "\(csv.text)")
        }
    }
}

/// The REST calls these tests make, decoded with the protocol's types.
enum REST {
    static func post(_ hub: TestHub, token: String, body: String) async throws -> (status: Int, ticket: Ticket?) {
        let (status, data) = try await request(hub, "POST", "/v1/tickets", token: token, body: body)
        return (status, (try? JSONDecoder().decode(OpenedTicket.self, from: data))?.ticket)
    }

    static func list(_ hub: TestHub, token: String) async throws -> [String] {
        let (_, data) = try await get(hub, "/v1/tickets", token: token)
        return try JSONDecoder().decode(TicketList.self, from: data).tickets.map(\.id)
    }

    static func get(_ hub: TestHub, _ path: String, token: String) async throws -> (Int, Data) {
        try await request(hub, "GET", path, token: token, body: nil)
    }

    static func request(_ hub: TestHub, _ method: String, _ path: String, token: String, body: String?) async throws
        -> (Int, Data)
    {
        var request = URLRequest(url: URL(string: hub.httpBase + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }
}
