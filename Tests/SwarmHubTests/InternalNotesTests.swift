import Foundation
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Every text the swarm says among itself carries this marker, so a test can look for it in raw
/// bytes: nothing a requester receives may contain it.
let secret = "SECRET-NOTE"

/// The raw text frames a client received up to the hub's answer to a ping (the hub queues events
/// before the ack of the command that caused them, so this is everything sent so far).
func rawFrames(_ client: TestClient) async throws -> [String] {
    let id = "raw-\(UUID().uuidString)"
    try await client.send(["type": "ping", "id": id])
    var frames: [String] = []
    while true {
        switch await client.receive() {
        case .text(let text):
            if text.contains(#""id":"\#(id)""#) { return frames }
            frames.append(text)
        case .closed(let code): throw TestFailure("closed (\(code.map(String.init) ?? "-")) while reading frames")
        case nil: throw TestFailure("no pong within the timeout")
        }
    }
}

/// The `event` frames among raw frames, decoded.
func events(in frames: [String]) throws -> [EventFrame] {
    try frames.compactMap { text in
        guard case .event(let event) = try ServerFrame.decode(text) else { return nil }
        return event
    }
}

/// What the swarm does on `ticket` after its requester opened it: internal talk of every kind
/// (an internal note, a help request's note, a work note), two public replies, a resolution, the
/// requester's thanks, and a knowledge-base capture that is published. Returns nothing; every
/// command must be acknowledged.
func swarmTalks(on ticket: String, agent: TestClient, requester: TestClient) async throws {
    try await agent.command(["type": "swarm.join", "ticket": ticket])
    try await agent.command([
        "type": "comment.add", "ticket": ticket,
        "body": "\(secret): requester keeps breaking the VPN config, do not tell her",
    ])
    try await agent.command([
        "type": "comment.add", "ticket": ticket, "body": "\(secret) two", "visibility": "internal",
    ])
    try await agent.command([
        "type": "help.request", "ticket": ticket, "skills": ["network.vpn"], "note": "\(secret) in the help request",
    ])
    try await agent.command(["type": "work.log", "ticket": ticket, "minutes": 15, "note": "\(secret) in the work log"])
    try await agent.command([
        "type": "comment.add", "ticket": ticket, "body": "We are looking at your VPN now.", "visibility": "public",
    ])
    try await agent.command(["type": "ticket.status", "ticket": ticket, "status": "in_progress"])
    try await agent.command([
        "type": "comment.add", "ticket": ticket, "body": "Please restart the VPN client.", "visibility": "public",
    ])
    try await agent.command([
        "type": "ticket.status", "ticket": ticket, "status": "resolved", "resolution": "MTU set to 1400",
    ])
    try await requester.command(["type": "comment.add", "ticket": ticket, "body": "Works again, thanks"])
    let captured = try await agent.command(["type": "kb.capture", "ticket": ticket])
    let article = try #require(captured.article)
    try await agent.command(["type": "kb.publish", "article": article])
}

/// Checks what a requester received of `swarmTalks`: no internal text anywhere in the bytes, the
/// public replies (and her own) numbered 1, 2, 3, and only the public kinds of event.
func expectRequesterView(_ frames: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for frame in frames {
        #expect(!frame.contains(secret), "a requester received internal text: \(frame)", sourceLocation: sourceLocation)
    }
    let received = try events(in: frames)
    let types = Set(received.map(\.event.type))
    let allowed: Set<EventType> = [
        .ticketOpened, .swarmJoined, .swarmLeft, .ownerAdded, .ownerRemoved, .statusChanged, .kbSuggested, .kbApplied,
        .commentAdded,
    ]
    #expect(
        types.isSubset(of: allowed), "unexpected kinds: \(types.subtracting(allowed))", sourceLocation: sourceLocation)
    let comments = received.compactMap { frame -> SwarmProtocol.Comment? in
        guard case .commentAdded(let comment) = frame.event.payload else { return nil }
        return comment
    }
    #expect(
        comments.map(\.body) == [
            "We are looking at your VPN now.", "Please restart the VPN client.", "Works again, thanks",
        ],
        sourceLocation: sourceLocation)
    #expect(
        comments.map(\.number) == [1, 2, 3], "her numbering counts no internal notes", sourceLocation: sourceLocation)
    #expect(comments.allSatisfy { $0.visibility == .public && $0.replyNumber == nil }, sourceLocation: sourceLocation)
    #expect(received.map(\.seq) == received.map(\.seq).sorted(), "in seq order", sourceLocation: sourceLocation)
    #expect(Set(received.map(\.seq)).count == received.count, "each event once", sourceLocation: sourceLocation)
}

/// Checks a requester's `GET /v1/tickets/{id}` body: the ticket's comments are the public replies
/// only (so its comment count is theirs), no invitations, a history without internal events.
func expectRequesterDetail(_ raw: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(!raw.contains(secret), "REST gave a requester internal text", sourceLocation: sourceLocation)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
    let ticket = try #require(json["ticket"] as? [String: Any])
    let comments = try #require(ticket["comments"] as? [[String: Any]])
    #expect(comments.count == 3, sourceLocation: sourceLocation)
    #expect(comments.map { $0["number"] as? Int } == [1, 2, 3], sourceLocation: sourceLocation)
    let history = try #require(json["events"] as? [[String: Any]])
    let types = history.compactMap { ($0["event"] as? [String: Any])?["type"] as? String }
    #expect(!types.contains("help.requested") && !types.contains("work.logged"), sourceLocation: sourceLocation)
    #expect(!types.contains("kb.created"), "the captured draft is not hers", sourceLocation: sourceLocation)
    #expect(types.filter { $0 == "comment.added" }.count == 3, sourceLocation: sourceLocation)
}

/// `GET url` with a bearer token: status and the body as text.
func fetchText(_ url: String, token: String) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: URL(string: url)!)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
}

@Suite("Live hub: internal notes never reach a requester (invariant 6)")
struct InternalNotesTests {
    @Test("live, on every channel a requester may subscribe to, and by resume with since")
    func liveAndResume() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            // Watchers that only subscribe, so every frame they get is read raw (a connection that
            // sends commands reads its events while it waits for the acks).
            func watch(_ token: String, _ channels: [String], _ body: (TestClient) async throws -> Void) async throws {
                try await withClient(hub.url) { watcher in
                    try await watcher.hello(token)
                    try await watcher.command(["type": "subscribe", "channels": channels])
                    try await body(watcher)
                }
            }
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops every hour"))
                try await watch(rita, ["ticket:T-1"]) { onTicket in
                    try await watch(rita, ["agent:rita"]) { onAgent in
                        try await watch(rita, ["ticket:T-1", "agent:rita"]) { onBoth in
                            // Staff watch too, to prove the internal talk was published at all.
                            try await watch(alice, ["ticket:T-1"]) { staffWatcher in
                                try await withClient(hub.url) { agent in
                                    try await agent.hello(alice)
                                    try await swarmTalks(on: "T-1", agent: agent, requester: requester)
                                }
                                let staff = try await rawFrames(staffWatcher)
                                #expect(
                                    staff.filter { $0.contains(secret) }.count == 4, "staff see every internal text")
                                let staffComments = try events(in: staff).compactMap {
                                    frame -> SwarmProtocol.Comment? in
                                    guard case .commentAdded(let comment) = frame.event.payload else { return nil }
                                    return comment
                                }
                                #expect(staffComments.map(\.number) == [1, 2, 3, 4, 5])
                                #expect(
                                    staffComments.map(\.visibility) == [
                                        .internal, .internal, .public, .public, .public,
                                    ])
                                #expect(staffComments.map(\.replyNumber) == [nil, nil, 1, 2, 3])
                            }
                            for (watcher, label) in [
                                (onTicket, "ticket:T-1"), (onAgent, "agent:rita"), (onBoth, "both"),
                            ] {
                                let live = try await rawFrames(watcher)
                                #expect(try events(in: live).count >= 6, "\(label): \(live)")
                                try expectRequesterView(live)
                            }
                        }
                    }
                }
            }
            // Resume from 0 on a new connection, on each channel alone and on both.
            for channels in [["ticket:T-1"], ["agent:rita"], ["ticket:T-1", "agent:rita"]] {
                try await withClient(hub.url) { requester in
                    try await requester.hello(rita)
                    try await requester.command(["type": "subscribe", "channels": channels, "since": 0])
                    let replayed = try await rawFrames(requester)
                    try expectRequesterView(replayed)
                    #expect(try events(in: replayed).contains { $0.event.type == .ticketOpened }, "\(channels)")
                }
            }
        }
    }

    @Test("REST: the ticket, its history, its comment count and the ticket list")
    func rest() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops every hour"))
                try await withClient(hub.url) { agent in
                    try await agent.hello(alice)
                    try await swarmTalks(on: "T-1", agent: agent, requester: requester)
                }
            }
            let detail = try await fetchText(hub.httpBase + "/v1/tickets/T-1", token: rita)
            #expect(detail.status == 200)
            try expectRequesterDetail(detail.body)
            let list = try await fetchText(hub.httpBase + "/v1/tickets", token: rita)
            #expect(list.status == 200)
            #expect(!list.body.contains(secret))
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [String: Any])
            let tickets = try #require(listed["tickets"] as? [[String: Any]])
            #expect(tickets.map { $0["id"] as? String } == ["T-1"])
            // The list never carries comments (its projection stores none); the count is the detail's.
            #expect((tickets.first?["comments"] as? [Any])?.isEmpty == true)
            // Staff read it all, each comment with its visibility.
            let staff = try await fetchText(hub.httpBase + "/v1/tickets/T-1", token: alice)
            #expect(staff.body.components(separatedBy: secret).count - 1 >= 4)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(staff.body.utf8)) as? [String: Any])
            let comments = try #require((json["ticket"] as? [String: Any])?["comments"] as? [[String: Any]])
            #expect(
                comments.map { $0["visibility"] as? String } == ["internal", "internal", "public", "public", "public"])
        }
    }

    @Test("the knowledge-base capture keeps internal notes out of the article a requester can read")
    func knowledgeCapture() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops every hour"))
                try await withClient(hub.url) { agent in
                    try await agent.hello(alice)
                    try await swarmTalks(on: "T-1", agent: agent, requester: requester)
                }
                // The article is published: the requester finds it and reads it.
                let found = try await requester.command(["type": "kb.search", "query": "VPN drops"])
                let match = try #require(found.articles?.first)
                let article = try await fetchText(hub.httpBase + "/v1/kb/\(match.id)", token: rita)
                #expect(article.status == 200)
                #expect(!article.body.contains(secret))
                #expect(article.body.contains("Please restart the VPN client."), "the public replies are its content")
                #expect(!article.body.contains("Works again, thanks"), "not the requester's own words")
            }
        }
    }

    @Test("metrics are for leads: a requester may neither read nor subscribe to them")
    func metrics() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let metrics = try await fetchText(hub.httpBase + "/v1/metrics", token: rita)
            #expect(metrics.status == 403)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                for channel in [
                    "metrics", "queue:general", "dispatch", "backlog", "kb", "sla", "agents", "agent:alice",
                ] {
                    let refused = try await requester.failing(["type": "subscribe", "channels": [channel]])
                    #expect(refused.code == .forbidden, "\(channel)")
                }
            }
        }
    }

    @Test("visibility is validated: a requester cannot write an internal note, an unknown one is refused")
    func visibilityInput() async throws {
        try await withHub { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            try await withClient(hub.url) { requester in
                try await requester.hello(rita)
                try await requester.command(openFrame("VPN drops every hour"))
                let before = hub.ledger.snapshot.seq
                let asInternal = try await requester.failing([
                    "type": "comment.add", "ticket": "T-1", "body": "x", "visibility": "internal",
                ])
                #expect(asInternal.code == .forbidden)
                #expect(asInternal.message.contains("public"))
                try await withClient(hub.url) { agent in
                    try await agent.hello(alice)
                    let unknown = try await agent.failing([
                        "type": "comment.add", "ticket": "T-1", "body": "x", "visibility": "secret",
                    ])
                    #expect(unknown.code == .invalidField)
                    #expect(unknown.message.contains("visibility"))
                    let number = try await agent.failing([
                        "type": "comment.add", "ticket": "T-1", "body": "x", "visibility": 1,
                    ])
                    #expect(number.code == .invalidField)
                }
                // Alice coming online is the one event since: nothing of the refused comments.
                #expect(hub.ledger.snapshot.state.tickets["T-1"]?.comments.isEmpty == true)
                #expect(hub.ledger.snapshot.seq == before + 1)
            }
        }
    }

    @Test("across a restart of a real swarmd process: resume by since and REST stay filtered")
    func acrossRestart() async throws {
        let path = try temporaryDirectory().appendingPathComponent("data/swarm.sqlite").path
        let hub = try await SwarmdProcess(serve: path)
        func token(_ name: String, _ role: String) async throws -> String {
            let created = try await SwarmdProcess.run(["token", "create", "--name", name, "--role", role, "--db", path])
            return try #require(created.out.split(separator: "\n").last.map(String.init))
        }
        let rita = try await token("rita", "requester")
        let alice = try await token("alice", "agent")
        let openedAt = try await withClient(hub.url) { requester in
            try await requester.hello(rita)
            let opened = try await requester.command(openFrame("VPN drops every hour"))
            try await withClient(hub.url) { agent in
                try await agent.hello(alice)
                try await swarmTalks(on: "T-1", agent: agent, requester: requester)
            }
            return try #require(opened.seq)
        }
        #expect(await hub.stop() == 0)

        let restarted = try await SwarmdProcess(serve: path)
        for since in [0, openedAt] {
            try await withClient(restarted.url) { requester in
                try await requester.hello(rita)
                try await requester.command(["type": "subscribe", "channels": ["ticket:T-1"], "since": since])
                let replayed = try await rawFrames(requester)
                try expectRequesterView(replayed)
                #expect(try events(in: replayed).allSatisfy { $0.seq > since })
            }
        }
        let base = "http://127.0.0.1:\(restarted.port ?? 0)"
        let detail = try await fetchText(base + "/v1/tickets/T-1", token: rita)
        #expect(detail.status == 200)
        try expectRequesterDetail(detail.body)
        // The internal notes did survive the restart: staff still read them.
        let staff = try await fetchText(base + "/v1/tickets/T-1", token: alice)
        #expect(staff.body.contains("\(secret): requester keeps breaking the VPN config"))
        #expect(await restarted.stop() == 0)
    }

    @Test("the portal's files are served with their types, and nothing else under /portal")
    func portalFiles() async throws {
        try await withHub { hub in
            for (path, type) in [
                ("/portal", "text/html"), ("/portal/portal.js", "text/javascript"), ("/portal/portal.css", "text/css"),
                ("/portal/swarm-socket.mjs", "text/javascript"),
            ] {
                let got = try await httpText(hub.httpBase + path, token: "none")
                #expect(got.status == 200, "\(path)")
                #expect(got.type?.hasPrefix(type) == true, "\(path): \(got.type ?? "no type")")
            }
            #expect(try await httpText(hub.httpBase + "/portal", token: "none").text.contains("/portal/portal.js"))
            for path in [
                "/portal/..%2FPackage.swift", "/portal/nope.js", "/portal/dashboard.js", "/dashboard/portal.js",
            ] {
                #expect(try await httpText(hub.httpBase + path, token: "none").status == 404, "\(path)")
            }
        }
    }
}
