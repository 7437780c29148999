import Foundation
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several real `swarmd serve --postgres` processes on one PostgreSQL database (invariant 7).
@Suite(
    "Cluster: several swarmd nodes on one PostgreSQL", .serialized, .enabled(if: PostgresTestDatabase.isAvailable))
struct ClusterTests {
    /// Starts `count` nodes on the database at `url`: the first alone (it creates the admin token),
    /// the others after it. Returns them and the admin token.
    /// The tests send hundreds of commands at once, so the per-connection rate limit (100/s, burst
    /// 200; past 100 refusals without a pause the connection is closed with 4029) is lifted on every node.
    static func nodes(_ count: Int, on url: String) async throws -> ([SwarmdProcess], String) {
        let unlimited = ["--command-rate", "100000", "--principal-rate", "1000000"]
        let first = try await SwarmdProcess(postgres: url, extra: unlimited)
        let admin = try #require(first.adminToken)
        var nodes = [first]
        for _ in 1..<count { nodes.append(try await SwarmdProcess(postgres: url, extra: unlimited)) }
        return (nodes, admin)
    }

    /// Creates a token with `swarmd token create --postgres`.
    static func token(_ name: String, _ role: Role = .agent, on url: String) async throws -> String {
        let created = try await SwarmdProcess.run([
            "token", "create", "--name", name, "--role", role.rawValue, "--postgres", url,
        ])
        guard created.status == 0, let token = created.out.split(separator: "\n").last.map(String.init) else {
            throw TestFailure("token create failed (\(created.status)): \(created.err)")
        }
        return token
    }

    /// Reads frames until `client` has seen an event with `seq` at least `seq`; returns the events.
    static func events(
        on client: TestClient, through seq: Int64, timeout: Duration = .seconds(20)
    ) async throws -> [EventFrame] {
        var events: [EventFrame] = []
        let deadline = ContinuousClock.now + timeout
        while (events.last?.seq ?? 0) < seq {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("saw up to seq \(events.last?.seq ?? 0), expected \(seq)")
            }
            guard let received = await client.receive(timeout: .seconds(5)) else { continue }
            guard case .text(let text) = received else { throw TestFailure("closed while waiting for \(seq)") }
            if case .event(let event) = try ServerFrame.decode(text) { events.append(event) }
        }
        return events
    }

    @Test("clients on three nodes see every event of a channel exactly once, in seq order")
    func everyEventOnceOnEveryNode() async throws {
        try await PostgresTestDatabase.with { location in
            let url = location.urlForTests
            let (nodes, admin) = try await Self.nodes(3, on: url)
            var writers: [String] = []
            for index in 0..<3 { writers.append(try await Self.token("writer\(index)", on: url)) }
            try await withClient(nodes[0].url) { opener in
                try await opener.hello(admin)
                let opened = try await opener.command(openFrame("busy ticket"))
                let ticket = try #require(opened.ticket)
                try await withClient(nodes[0].url) { w0 in
                    try await withClient(nodes[1].url) { w1 in
                        try await withClient(nodes[2].url) { w2 in
                            try await withClient(nodes[0].url) { v0 in
                                try await withClient(nodes[1].url) { v1 in
                                    try await withClient(nodes[2].url) { v2 in
                                        let viewers = [v0, v1, v2]
                                        for viewer in viewers {
                                            try await viewer.hello(admin)
                                            try await viewer.command([
                                                "type": "subscribe", "channels": ["ticket:\(ticket)"], "since": 0,
                                            ])
                                        }
                                        let clients = [w0, w1, w2]
                                        for (client, token) in zip(clients, writers) { try await client.hello(token) }
                                        // Each writer pipelines 40 comments to its own node, all at once.
                                        let acks = SharedList()
                                        try await withThrowingTaskGroup(of: Void.self) { group in
                                            for (n, client) in clients.enumerated() {
                                                group.addTask {
                                                    for i in 0..<40 {
                                                        try await client.send([
                                                            "type": "comment.add", "id": "c\(n)-\(i)",
                                                            "ticket": ticket, "body": "node \(n) comment \(i)",
                                                        ])
                                                    }
                                                    var got = 0
                                                    while got < 40 {
                                                        let frame = try await client.next()
                                                        if case .ack(let ack) = frame, let seq = ack.seq {
                                                            acks.withLock { $0.append(seq) }
                                                            got += 1
                                                        } else if case .error(let error) = frame {
                                                            throw TestFailure("refused: \(error.message)")
                                                        }
                                                    }
                                                }
                                            }
                                            try await group.waitForAll()
                                        }
                                        let acked = acks.withLock { $0 }
                                        #expect(acked.count == 120)
                                        #expect(Set(acked).count == 120, "every comment has its own seq")
                                        let last = try #require(acked.max())
                                        var seen: [[Int64]] = []
                                        for viewer in viewers {
                                            let events = try await Self.events(on: viewer, through: last)
                                            seen.append(events.map(\.seq))
                                        }
                                        for list in seen {
                                            #expect(list == list.sorted(), "in seq order")
                                            #expect(Set(list).count == list.count, "each event once")
                                            #expect(Set(acked).isSubset(of: Set(list)), "every acked comment")
                                        }
                                        #expect(seen[0] == seen[1] && seen[1] == seen[2], "the same on every node")
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for node in nodes { await node.stop() }
        }
    }

    @Test("two nodes deciding on the same ticket at once: one winner, one conflict")
    func oneWinnerOneConflict() async throws {
        try await PostgresTestDatabase.with { location in
            let url = location.urlForTests
            let (nodes, admin) = try await Self.nodes(2, on: url)
            let alice = try await Self.token("alice", on: url)
            try await withClient(nodes[0].url) { a in
                try await withClient(nodes[1].url) { b in
                    let (welcomeA, welcomeB) = (try await a.hello(alice), try await b.hello(alice))
                    #expect(welcomeA.epoch != nil && welcomeA.epoch == welcomeB.epoch, "one log, one epoch")
                    _ = admin
                    for round in 0..<10 {
                        let ticket = try #require(try await a.command(openFrame("race \(round)")).ticket)
                        // The same agent joins the same swarm through both nodes at the same moment.
                        async let first = a.send(["type": "swarm.join", "id": "j\(round)", "ticket": ticket])
                        async let second = b.send(["type": "swarm.join", "id": "j\(round)b", "ticket": ticket])
                        _ = try await (first, second)
                        let (fromA, _) = try await a.reply(to: "j\(round)")
                        let (fromB, _) = try await b.reply(to: "j\(round)b")
                        var acks = 0
                        var conflicts = 0
                        for frame in [fromA, fromB] {
                            switch frame {
                            case .ack: acks += 1
                            case .error(let error) where error.code == .conflict: conflicts += 1
                            default: Issue.record("unexpected \(frame)")
                            }
                        }
                        #expect(acks == 1 && conflicts == 1, "round \(round): \(fromA) / \(fromB)")
                    }
                }
            }
            for node in nodes { await node.stop() }
        }
    }

    @Test("SIGKILL of a node mid-stream loses no acknowledged event; its client resumes on another node")
    func killedNode() async throws {
        try await PostgresTestDatabase.with { location in
            let url = location.urlForTests
            let (nodes, admin) = try await Self.nodes(2, on: url)
            let alice = try await Self.token("alice", on: url)
            var acked: [String: Int64] = [:]
            var seenBySubscriber: [Int64] = []
            var ticket = ""
            try await withClient(nodes[0].url) { watcher in
                try await watcher.hello(admin)
                try await withClient(nodes[0].url) { writer in
                    try await writer.hello(alice)
                    ticket = try #require(try await writer.command(openFrame("survives a dead node")).ticket)
                    try await watcher.command(["type": "subscribe", "channels": ["ticket:\(ticket)"], "since": 0])
                    for i in 0..<400 {
                        try? await writer.send(["type": "comment.add", "id": "k\(i)", "ticket": ticket, "body": "\(i)"])
                    }
                    while acked.count < 150 {
                        guard case .ack(let ack) = try await writer.next() else { continue }
                        acked[ack.id] = ack.seq
                    }
                    await nodes[0].stop(signal: SIGKILL)
                    while let received = await writer.receive(timeout: .seconds(2)), case .text(let text) = received {
                        if case .ack(let ack) = try ServerFrame.decode(text) { acked[ack.id] = ack.seq }
                    }
                }
                while let received = await watcher.receive(timeout: .seconds(2)), case .text(let text) = received {
                    if case .event(let event) = try ServerFrame.decode(text) { seenBySubscriber.append(event.seq) }
                }
            }
            #expect(acked.count >= 150)
            #expect(
                seenBySubscriber == seenBySubscriber.sorted() && Set(seenBySubscriber).count == seenBySubscriber.count)
            // The watcher reconnects to the surviving node and resumes from the last seq it saw.
            try await withClient(nodes[1].url) { client in
                try await client.hello(alice)
                let from = seenBySubscriber.last ?? 0
                try await client.send(["type": "subscribe", "id": "r", "channels": ["ticket:\(ticket)"], "since": from])
                guard case .ack(let ack) = try await client.next(), let latest = ack.seq else {
                    throw TestFailure("expected the subscribe ack with a seq")
                }
                let rest = try await client.drainEvents()
                let all = seenBySubscriber + rest.map(\.seq)
                #expect(all == all.sorted() && Set(all).count == all.count, "no duplicate across the move")
                #expect(rest.first.map { $0.seq > from } ?? true)
                #expect((rest.last?.seq ?? from) <= latest)
                let log = Set(all)
                for (id, seq) in acked { #expect(log.contains(seq), "ack \(id) (seq \(seq)) was lost") }
                // A retry of an acknowledged id on the other node gets its first ack: no second comment.
                let (id, seq) = acked.first!
                let retry = try await client.command([
                    "type": "comment.add", "id": id, "ticket": ticket, "body": "again",
                ])
                #expect(retry.seq == seq)
            }
            // The resumed stream has no gap: it equals the ticket channel's log.
            try await PostgresEventStore.withStore(location, logger: quietLogger) { store in
                let logged = try await store.events(onChannels: ["ticket:\(ticket)"], after: 0, through: .max)
                    .map(\.seq)
                let comments = try await store.events(ofTicket: ticket).filter { $0.event.type == .commentAdded }
                #expect(Set(comments.map(\.seq)).isSuperset(of: Set(acked.values)))
                #expect(logged == logged.sorted())
            }
            await nodes[1].stop()
        }
    }

    @Test("PostgreSQL stopped for 5 s: commands get a clear error, nothing half-applied; the hub recovers")
    func databaseOutage() async throws {
        try await PostgresTestDatabase.withPrivateCluster { url, folder in
            let node = try await SwarmdProcess(postgres: url)
            let admin = try #require(node.adminToken)
            try await withClient(node.url) { client in
                try await client.hello(admin)
                let ticket = try #require(try await client.command(openFrame("outage")).ticket)
                try await client.command(["type": "comment.add", "id": "before", "ticket": ticket, "body": "before"])
                try await PostgresTestDatabase.cluster("stop", folder)
                let stopped = ContinuousClock.now
                let refused = try await client.failing([
                    "type": "comment.add", "id": "during", "ticket": ticket, "body": "during",
                ])
                #expect(refused.code == .internal)
                #expect(refused.message.contains("no effect"), "\(refused.message)")
                #expect(ContinuousClock.now - stopped < .seconds(15))
                let remaining = Duration.seconds(5) - (ContinuousClock.now - stopped)
                if remaining > .zero { try await Task.sleep(for: remaining) }
                try await PostgresTestDatabase.cluster("start", folder)
                // The hub recovers by itself: the same command id, retried, now commits once.
                var recovered: Ack?
                let deadline = ContinuousClock.now + .seconds(30)
                while recovered == nil, ContinuousClock.now < deadline {
                    let id = "during"
                    try await client.send(["type": "comment.add", "id": id, "ticket": ticket, "body": "during"])
                    if case .ack(let ack) = try await client.reply(to: id, timeout: .seconds(15)).0 {
                        recovered = ack
                    } else {
                        try await Task.sleep(for: .milliseconds(500))
                    }
                }
                #expect(recovered != nil, "the hub did not recover within 30 s: \(node.standardError)")
                let again = try await client.command([
                    "type": "comment.add", "id": "during", "ticket": ticket, "body": "during",
                ])
                #expect(again.seq == recovered?.seq, "a retry gets the first ack")
            }
            try await PostgresEventStore.withStore(try PostgresLocation(url: url), logger: quietLogger) { store in
                let comments = try await store.events(ofTicket: "T-1").filter { $0.event.type == .commentAdded }
                #expect(comments.count == 2, "before, and during once")
            }
            await node.stop()
        }
    }

    @Test("swarmd migrate copies a SQLite log, checks it, and refuses a non-empty target")
    func migrateCommand() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let hub = try await SwarmdProcess(serve: path)
        let admin = try #require(hub.adminToken)
        let epoch = try await withClient(hub.url) { client in
            let welcome = try await client.hello(admin)
            try await client.command(openFrame("moving house"))
            try await client.command(["type": "comment.add", "id": "m1", "ticket": "T-1", "body": "boxes"])
            return welcome.epoch
        }
        await hub.stop()
        try await PostgresTestDatabase.with { location in
            let url = location.urlForTests
            let moved = try await SwarmdProcess.run(["migrate", "--from", path, "--to", url])
            #expect(moved.status == 0, "\(moved.err)")
            #expect(moved.out.contains("checked"))
            let again = try await SwarmdProcess.run(["migrate", "--from", path, "--to", url])
            #expect(again.status == 4)
            #expect(again.err.contains("not empty"))
            // A node on the copy knows the admin token and the ticket.
            let node = try await SwarmdProcess(postgres: url)
            #expect(node.adminToken == nil)
            try await withClient(node.url) { client in
                #expect(try await client.hello(admin).epoch == epoch, "the copy is the same log: its epoch is kept")
                let ack = try await client.command([
                    "type": "comment.add", "id": "m2", "ticket": "T-1", "body": "arrived",
                ])
                #expect(ack.seq != nil)
                let retry = try await client.command(["type": "comment.add", "id": "m1", "ticket": "T-1", "body": "x"])
                #expect(retry.seq != nil && retry.seq! < ack.seq!, "the copied command id keeps its first ack")
            }
            await node.stop()
        }
        let bad = try await SwarmdProcess.run(["migrate", "--from", path, "--to", "mysql://nope"])
        #expect(bad.status == 64)
        #expect(bad.err.contains("postgres://"))
        let both = try await SwarmdProcess.run(["token", "list", "--db", path, "--postgres", "postgres://u@h/d"])
        #expect(both.status == 64)
        #expect(both.err.contains("not both"))
    }

    @Test("a file uploaded on one node: the other serves it, and the requester there sees only the public one")
    func attachmentsOnTwoNodes() async throws {
        try await PostgresTestDatabase.with { location in
            let url = location.urlForTests
            let (nodes, _) = try await Self.nodes(2, on: url)
            let alice = try await Self.token("alice", .agent, on: url)
            let rita = try await Self.token("rita", .requester, on: url)
            let first = "http://127.0.0.1:\(nodes[0].port ?? 0)"
            let second = "http://127.0.0.1:\(nodes[1].port ?? 0)"
            let ticket = try await withClient(nodes[0].url) { client in
                try await client.hello(rita)
                return try #require(try await client.command(openFrame("Backup fails every night")).ticket)
            }
            try await withClient(nodes[1].url) { watcher in
                try await watcher.hello(rita)
                try await watcher.command(["type": "subscribe", "channels": ["ticket:\(ticket)"]])
                let log = Array("backup: error 28 (no space left on device)\n".utf8)
                let note = try await AttachmentHubTests.upload(
                    base: first, ticket, name: "backup.log", log, token: alice)
                let shot = try await AttachmentHubTests.upload(
                    base: first, ticket, name: "screenshot.png", AttachmentHubTests.png, token: alice,
                    visibility: "public")
                #expect(note.status == 201 && shot.status == 201)
                let seq = try #require(shot.json["seq"] as? Int)
                // Live on the other node: the public file's event, never the internal one's.
                let files = try await Self.events(on: watcher, through: Int64(seq)).compactMap { frame -> String? in
                    if case .attachmentAdded(let file) = frame.event.payload { return file.name }
                    return nil
                }
                #expect(files == ["screenshot.png"], "\(files)")
                // The other node serves the bytes from the database, to whoever may have them.
                let mine = try await AttachmentHubTests.send(base: second, "GET", "/v1/attachments/A-2", token: rita)
                #expect(mine.status == 200 && mine.body == AttachmentHubTests.png)
                let hidden = try await AttachmentHubTests.send(base: second, "GET", "/v1/attachments/A-1", token: rita)
                #expect(hidden.status == 404)
                let theirs = try await AttachmentHubTests.send(
                    base: second, "GET", "/v1/attachments/A-1", token: alice)
                #expect(theirs.status == 200 && theirs.body == log)
                let detail = try await AttachmentHubTests.send(
                    base: second, "GET", "/v1/tickets/\(ticket)", token: rita)
                let text = String(decoding: detail.body, as: UTF8.self)
                #expect(text.contains("screenshot.png") && !text.contains("backup.log"), "\(text)")
            }
            for node in nodes { await node.stop() }
        }
    }
}

extension PostgresLocation {
    /// The location as a URL (the tests' servers have no passwords).
    var urlForTests: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=disable" }
}

/// Acks several tasks collect (a class, so closures share one lock).
final class SharedList: Sendable {
    private let values = Mutex<[Int64]>([])
    func withLock<R>(_ body: (inout [Int64]) -> R) -> R { values.withLock { body(&$0) } }
}
