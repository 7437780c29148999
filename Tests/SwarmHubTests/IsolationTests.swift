import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

/// The reproductions of issue 24 ("What a requester can still see, and what one token can still
/// cost"), each through the real hub: every one failed on the main branch before it.
@Suite("Live hub: isolation and bounds (issue 24)")
struct IsolationTests {
    @Test("a name keeps its audience: a staff name revoked cannot come back as a requester's; lookalikes refused")
    func renamedRole() async throws {
        try await withHub { hub in
            let rob = try await hub.token("rob", .requester)
            let bob = try await hub.token("bob", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rob)
                try await requester.command(openFrame("Printer on fire"))
            }
            try await withClient(hub.url) { agent in
                try await agent.hello(bob)
                try await agent.command(["type": "swarm.join", "ticket": "T-1"])
                try await agent.command(["type": "comment.add", "ticket": "T-1", "body": "\(secret) rob again"])
            }
            _ = try await hub.store.revokeTokens("bob", at: systemClock())
            do {
                _ = try await hub.store.createToken(name: "bob", role: .requester, at: systemClock())
                Issue.record("bob, once an agent, became a requester")
            } catch let error as StoreError {
                #expect(error.message.contains("keeps its audience"), "\(error.message)")
            }
            // A staff role may change among staff roles.
            _ = try await hub.store.createToken(name: "bob", role: .lead, at: systemClock())
            for lookalike in ["Bob", "bob.", "rob_", "Swarmd", "SWARMD", "swarmd."] {
                do {
                    _ = try await hub.store.createToken(name: lookalike, role: .agent, at: systemClock())
                    Issue.record("\(lookalike) was accepted beside bob, rob and swarmd")
                } catch let error as StoreError {
                    #expect(error.message.contains("too like"), "\(lookalike): \(error.message)")
                }
            }
            // A whole file is refused when one name is a lookalike, of an existing name or of another in it.
            await #expect(throws: StoreError.self) {
                try await hub.store.createTokens(names: ["carl", "Carl"], role: .requester, at: systemClock())
            }
            #expect(try await hub.store.tokens().allSatisfy { $0.name != "carl" && $0.name != "Carl" })
        }
    }

    @Test("a staff name that became a requester's (an older database) sees nothing of the tickets it swarmed on")
    func personalChannelOfAnotherTicket() async throws {
        try await withHub { hub in
            let rob = try await hub.token("rob", .requester)
            let bob = try await hub.token("bob", .agent)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rob)
                try await requester.command(openFrame("Printer on fire"))
            }
            try await withClient(hub.url) { agent in
                try await agent.hello(bob)
                try await agent.command(["type": "swarm.join", "ticket": "T-1"])
                try await agent.command(["type": "comment.add", "ticket": "T-1", "body": "\(secret) rob again"])
            }
            // The token table as a hub before the naming rule could leave it: bob is a requester now.
            let edit = "UPDATE token SET role = 'requester' WHERE name = 'bob'"
            #expect(try await SwarmdProcess.runTool("/usr/bin/sqlite3", [hub.databasePath, edit]) == 0)
            try await withClient(hub.url) { watcher in
                let welcome = try await watcher.hello(bob)
                #expect(welcome.role == .requester)
                try await watcher.command(["type": "subscribe", "channels": ["agent:bob"], "since": 0])
                try await withClient(hub.url) { agent in
                    try await agent.hello(alice)
                    try await agent.command([
                        "type": "comment.add", "ticket": "T-1", "body": "Fixed for you.", "visibility": "public",
                    ])
                    try await agent.command([
                        "type": "ticket.status", "ticket": "T-1", "status": "resolved", "resolution": "new toner",
                    ])
                }
                let frames = try await rawFrames(watcher)
                #expect(try events(in: frames).isEmpty, "bob, a requester now, sees nothing of rob's T-1: \(frames)")
            }
            #expect(try await fetchText(hub.httpBase + "/v1/tickets/T-1", token: bob).status == 404)
        }
    }

    @Test("her REST ticket holds nothing that follows from events she may not see")
    func requesterTicketFields() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops every hour"))
            }
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                try await agent.command([
                    "type": "comment.add", "ticket": "T-1", "body": "Looking.", "visibility": "public",
                ])
                try await Task.sleep(for: .milliseconds(20))
                try await agent.command(["type": "work.log", "ticket": "T-1", "minutes": 45])
                try await agent.command(["type": "comment.add", "ticket": "T-1", "body": "\(secret) MTU?"])
            }
            let staffTicket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            let publicReply = try #require(staffTicket.comments.first { $0.visibility == .public })
            #expect(staffTicket.effortMinutes == 45 && staffTicket.updatedAt > publicReply.at)
            for path in ["/v1/tickets/T-1", "/v1/tickets"] {
                let (status, body) = try await fetchText(hub.httpBase + path, token: rita)
                #expect(status == 200)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                let ticket =
                    try #require(
                        (json["ticket"] as? [String: Any]) ?? (json["tickets"] as? [[String: Any]])?.first)
                #expect(ticket["effortMinutes"] as? Int == 0, "\(path)")
                #expect(ticket["tier"] == nil && ticket["vendor"] == nil && ticket["slaFired"] as? [String] == [])
                #expect(ticket["updatedAt"] as? String == publicReply.at.description, "\(path): \(body)")
                #expect(ticket["firstResponseAt"] as? String == publicReply.at.description, "\(path)")
                #expect(ticket["publicUpdatedAt"] == nil)
            }
        }
    }

    @Test("a long ticket is read page by page: no answer grows with its history")
    func pagedHistory() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops every hour"))
            }
            // 120 comments: every third public.
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                for n in 1...120 {
                    try await agent.command([
                        "type": "comment.add", "ticket": "T-1", "body": "note \(n)",
                        "visibility": n % 3 == 0 ? "public" : "internal",
                    ])
                }
            }
            let base = hub.httpBase + "/v1/tickets/T-1"
            let detail = try await http("GET", base, token: alice)
            let ticket = try #require(detail.json["ticket"] as? [String: Any])
            let shown = try #require(ticket["comments"] as? [[String: Any]])
            #expect(shown.count == 50 && shown.first?["number"] as? Int == 71 && shown.last?["number"] as? Int == 120)
            #expect(detail.json["commentCount"] as? Int == 120 && detail.json["moreComments"] as? Bool == true)
            #expect(
                (detail.json["events"] as? [[String: Any]])?.count == 50 && detail.json["moreEvents"] as? Bool == true)
            // Forwards from the first, and backwards from the shown page, each comment once.
            var numbers: [Int] = []
            var after = 0
            while true {
                let page = try await http("GET", base + "/comments?after=\(after)&limit=33", token: alice)
                let comments = page.json["comments"] as? [[String: Any]] ?? []
                numbers += comments.compactMap { $0["number"] as? Int }
                guard page.json["more"] as? Bool == true, let last = comments.last?["number"] as? Int else { break }
                after = last
            }
            #expect(numbers == Array(1...120))
            let earlier = try await http("GET", base + "/comments?before=71&limit=50", token: alice)
            let earlierNumbers = (earlier.json["comments"] as? [[String: Any]] ?? []).compactMap {
                $0["number"] as? Int
            }
            #expect(earlierNumbers == Array(21...70) && earlier.json["more"] as? Bool == true)
            // Every event once, in seq order, page by page.
            var seqs: [Int] = []
            var afterSeq = 0
            while true {
                let page = try await http("GET", base + "/events?after=\(afterSeq)&limit=40", token: alice)
                let events = page.json["events"] as? [[String: Any]] ?? []
                seqs += events.compactMap { $0["seq"] as? Int }
                guard page.json["more"] as? Bool == true, let last = events.last?["seq"] as? Int else { break }
                afterSeq = last
            }
            // The opening, 120 comments, and the hub moving it in progress at the first public reply.
            #expect(seqs.count == 122 && seqs == seqs.sorted() && Set(seqs).count == seqs.count)
            // Her view: the 40 public replies, numbered 1…40, and only those in her pages.
            let hers = try await http("GET", base, token: rita)
            #expect(hers.json["commentCount"] as? Int == 40)
            let herComments = (hers.json["ticket"] as? [String: Any])?["comments"] as? [[String: Any]] ?? []
            #expect(herComments.compactMap { $0["number"] as? Int } == Array(1...40))
            let herEvents = try await http("GET", base + "/events?after=0&limit=500", token: rita)
            #expect(
                (herEvents.json["events"] as? [[String: Any]])?.count == 42 && herEvents.json["more"] as? Bool == false)
            let herFirst = try await http("GET", base + "/comments?after=0&limit=10", token: rita)
            #expect(
                (herFirst.json["comments"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? String }
                    == (1...10).map { "note \($0 * 3)" })
            // Both cursors: the page after the first, up to the second.
            let window = try await http("GET", base + "/comments?after=10&before=14", token: alice)
            #expect(
                (window.json["comments"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int } == [11, 12, 13])
            #expect(window.json["more"] as? Bool == false)
            // Bad cursors are refused, naming the parameter.
            for query in ["?limit=0", "?limit=501", "/comments?after=-1", "/comments?before=x", "/events?after=x"] {
                let refused = try await http("GET", base + query, token: alice)
                #expect(refused.status == 400, "\(query)")
            }
        }
    }

    @Test("the ticket list is paged by cursor with a total, and filters by member server-side")
    func pagedList() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                for n in 1...130 { try await requester.command(openFrame("ticket \(n)")) }
            }
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                try await agent.command(["type": "swarm.join", "ticket": "T-5"])
            }
            var ids: [String] = []
            var query = ""
            while true {
                let page = try await http("GET", hub.httpBase + "/v1/tickets?limit=60" + query, token: alice)
                #expect(page.json["total"] as? Int == 130)
                ids += (page.json["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                guard let next = page.json["next"] as? String else { break }
                query = "&after=\(next)"
            }
            #expect(ids == (1...130).reversed().map { "T-\($0)" })
            let mine = try await http("GET", hub.httpBase + "/v1/tickets?member=alice", token: alice)
            #expect((mine.json["tickets"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["T-5"])
            #expect(mine.json["total"] as? Int == 1 && mine.json["next"] == nil)
            let several = try await http("GET", hub.httpBase + "/v1/tickets?status=new,open", token: alice)
            #expect(several.json["total"] as? Int == 129, "T-5 is in progress since alice joined")
            let bad = try await http("GET", hub.httpBase + "/v1/tickets?status=new,bogus", token: alice)
            #expect(bad.status == 400)
        }
    }

    @Test("to a requester, a ticket that does not exist and another's answer alike, on every command")
    func existence() async throws {
        try await withHub { hub in
            let rob = try await hub.token("rob", .requester)
            let rita = try await hub.token("rita", .requester)
            try await withClient(hub.url) { requester in
                try await requester.hello(rob)
                try await requester.command(openFrame("Printer on fire"))
            }
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                for frame: [String: Any] in [
                    ["type": "swarm.join"], ["type": "work.log", "minutes": 5], ["type": "comment.add", "body": "hi"],
                    ["type": "kb.apply", "article": "KB-1"],
                ] {
                    var missing = frame
                    missing["ticket"] = "T-999"
                    var theirs = frame
                    theirs["ticket"] = "T-1"
                    let a = try await requester.failing(missing)
                    let b = try await requester.failing(theirs)
                    #expect(a.code == .notFound && b.code == .notFound, "\(frame)")
                }
            }
        }
    }

    @Test("a subscribe whose since is beyond the log's end is told epoch_changed, not replayed nothing")
    func sinceBeyondHead() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { client in
                let welcome = try await client.hello(alice)
                let error = try await client.failing([
                    "type": "subscribe", "channels": ["queue:general"], "since": welcome.seq + 1000,
                ])
                #expect(error.code == .epochChanged, "\(error.message)")
            }
        }
    }

    @Test("authenticated answers are never cached")
    func noStore() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice", .agent)
            for (token, path) in [(alice, "/v1/tickets"), (alice, "/v1/tickets/T-404"), (nil, "/v1/tickets")] {
                let answer = try await http("GET", hub.httpBase + path, token: token)
                #expect(answer.headers["Cache-Control"] as? String == "no-store", "\(path)")
            }
        }
    }

    @Test("alerts: a request is applied whole or not at all; odd texts cleaned and cut to fit; duplicate keys refused")
    func alertsWholeOrNothing() async throws {
        try await withHub { hub in
            let token = try await hub.token("alertmanager", .requester)
            let url = hub.httpBase + "/v1/alerts"
            // The second alert is bad: nothing of the request is applied, the first alert neither.
            var pending = amAlert("pending", fingerprint: "00aa11bb22cc33dd")
            pending["status"] = "pending"
            let refused = try await http("POST", url, token: token, body: try webhook([amAlert(), pending]))
            #expect(refused.status == 400)
            #expect(hub.ledger.snapshot.state.tickets.isEmpty, "the first alert was not applied")
            // Labels and annotations with a control character, a right-to-left override and a summary of 90
            // Devanagari characters (1,080 bytes): the hub cleans and cuts what it writes, and takes both.
            var odd = amAlert(fingerprint: "00aa11bb22cc33dd", labels: ["instance": "web1\u{0088}"])
            odd["annotations"] = ["summary": "web1 \u{202E}gnimoc si nwod", "description": "down\u{0007}"]
            var long = amAlert()
            long["annotations"] = ["summary": String(repeating: "क्षि", count: 90)]
            let accepted = try await http("POST", url, token: token, body: try webhook([long, odd]))
            #expect(accepted.status == 200, "\(accepted.json)")
            let outcomes = accepted.json["alerts"] as? [[String: Any]] ?? []
            #expect(outcomes.compactMap { $0["ticket"] as? String } == ["T-1", "T-2"], "\(outcomes)")
            let state = hub.ledger.snapshot.state
            let title = try #require(state.tickets["T-1"]?.title)
            #expect(title.utf8.count <= 800 && title.hasSuffix("…"))
            let cleaned = try #require(state.tickets["T-2"])
            #expect(cleaned.title == "web1 \u{FFFD}gnimoc si nwod", "\(cleaned.title)")
            #expect(cleaned.description.contains("down\u{FFFD}") && cleaned.description.contains("web1\u{FFFD}"))
            // Duplicate keys, refused here as on every other REST body.
            let duplicate = #"{"version":"4","version":"4","alerts":[]}"#
            let strict = try await http("POST", url, token: token, body: duplicate)
            #expect(strict.status == 400)
        }
    }

    @Test(
        "one token's connections are bounded; beyond it the sign-in is refused and closed, a closed one frees its place"
    )
    func connectionsPerToken() async throws {
        try await withHub(configure: { $0.connectionsPerToken = 3 }) { hub in
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { first in
                try await first.hello(alice)
                try await withClient(hub.url) { second in
                    try await second.hello(alice)
                    try await withClient(hub.url) { third in
                        try await third.hello(alice)
                        try await withClient(hub.url) { extra in
                            try await extra.send(["type": "hello", "id": "h", "token": alice])
                            guard case .error(let error) = try await extra.next() else {
                                throw TestFailure("expected an error")
                            }
                            #expect(
                                error.code == .rateLimited && error.message.contains("3 connections"),
                                "\(error.message)")
                            #expect(await extra.closeCode() == CloseCode.flood)
                        }
                    }
                    // The third closed: its place is free again.
                    try await Task.sleep(for: .milliseconds(300))
                    try await withClient(hub.url) { again in _ = try await again.hello(alice) }
                }
            }
            let metrics = try await fetchText(hub.httpBase + "/metrics", token: alice).body
            #expect(metrics.contains(#"swarm_limit_refusals_total{limit="connections"} 1"#), "\(metrics)")
        }
    }

    @Test("one bucket per principal across connections and REST: 40 connections cost what one does")
    func principalRate() async throws {
        // A rate so low that a slow machine refills nothing during the test: the burst is what counts.
        try await withHub(configure: {
            $0.principalRate = 0.01
            $0.principalBurst = 10
        }) { hub in
            let rita = try await hub.token("rita", .requester)
            var refused = 0
            try await withClient(hub.url) { first in
                try await first.hello(rita)
                try await withClient(hub.url) { second in
                    try await second.hello(rita)
                    for n in 0..<8 {
                        for client in [first, second] {
                            try await client.send(["type": "ping", "id": "p\(n)"])
                            if case .error(let error) = try await client.next() {
                                #expect(error.code == .rateLimited && error.message.contains("across all connections"))
                                refused += 1
                            }
                        }
                    }
                }
            }
            #expect(refused == 6, "16 frames on two connections against a burst of 10 for the one principal")
            let rest = try await http("GET", hub.httpBase + "/v1/tickets", token: rita)
            #expect(rest.status == 429)
            #expect(Int(rest.headers["Retry-After"] as? String ?? "") ?? 0 >= 1)
        }
    }

    @Test("what a requester writes is bounded per hour and per ticket; staff are not")
    func requesterBytes() async throws {
        try await withHub(configure: {
            $0.requesterBytesPerHour = 4096
            $0.requesterBytesPerTicket = 2048
        }) { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            let kilobyte = String(repeating: "x", count: 1000)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops"))
                try await requester.command(["type": "comment.add", "ticket": "T-1", "body": kilobyte])
                try await requester.command(["type": "comment.add", "ticket": "T-1", "body": kilobyte])
                let perTicket = try await requester.failing(["type": "comment.add", "ticket": "T-1", "body": kilobyte])
                #expect(
                    perTicket.code == .rateLimited && perTicket.message.contains("per ticket"), "\(perTicket.message)")
                try await requester.command(openFrame("Printer"))
                try await requester.command(["type": "comment.add", "ticket": "T-2", "body": kilobyte])
                try await requester.command(openFrame("Monitor"))
                try await requester.command(["type": "comment.add", "ticket": "T-3", "body": kilobyte])
                // About 4,050 of her 4,096 bytes this hour are written: the next kilobyte is over.
                let perHour = try await requester.failing(["type": "comment.add", "ticket": "T-3", "body": kilobyte])
                #expect(perHour.code == .rateLimited && perHour.message.contains("per hour"), "\(perHour.message)")
            }
            let open = try await http(
                "POST", hub.httpBase + "/v1/tickets", token: rita,
                body: #"{"title":"x","description":"\#(kilobyte)","category":"network","urgency":"low","impact":"low"}"#
            )
            #expect(open.status == 429 && Int(open.headers["Retry-After"] as? String ?? "") ?? 0 > 60)
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                for _ in 0..<5 { try await agent.command(["type": "comment.add", "ticket": "T-1", "body": kilobyte]) }
            }
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.comments.count == 7)
            let metrics = try await fetchText(hub.httpBase + "/metrics", token: alice).body
            for limit in ["requester_bytes_ticket", "requester_bytes_hour"] {
                #expect(metrics.contains(#"swarm_limit_refusals_total{limit="\#(limit)"}"#), "\(limit)")
            }
        }
    }
}
