import Crypto
import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmFiles
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Attachments through a real hub: uploaded over REST into the SQLite file (and PostgreSQL), read
/// back streamed, and an internal file never reaching the requester on any path (invariant 6).
@Suite("Live hub: attachments")
struct AttachmentHubTests {
    /// A tiny valid PNG (1×1 pixel).
    static let png: [UInt8] = Array(
        Data(
            base64Encoded:
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        )!)

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
        /// The message of an error answer (`{"error": {code, message}}`).
        var message: String? { (json["error"] as? [String: Any])?["message"] as? String }
    }

    static func send(
        _ hub: TestHub, _ method: String, _ path: String, token: String, body: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws -> Answer {
        try await send(base: hub.httpBase, method, path, token: token, body: body, headers: headers)
    }

    /// A request to the hub at `base` (`http://127.0.0.1:PORT`): an in-process hub's or a node's.
    static func send(
        base: String, _ method: String, _ path: String, token: String, body: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return Answer(status: http.statusCode, headers: fields, body: [UInt8](data))
    }

    static func upload(
        _ hub: TestHub, _ ticket: String, name: String, _ bytes: [UInt8], token: String, visibility: String? = nil,
        key: String? = nil
    ) async throws -> Answer {
        try await upload(
            base: hub.httpBase, ticket, name: name, bytes, token: token, visibility: visibility, key: key)
    }

    static func upload(
        base: String, _ ticket: String, name: String, _ bytes: [UInt8], token: String, visibility: String? = nil,
        key: String? = nil
    ) async throws -> Answer {
        var query = "name=" + name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        if let visibility { query += "&visibility=\(visibility)" }
        return try await send(
            base: base, "POST", "/v1/tickets/\(ticket)/attachments?\(query)", token: token, body: bytes,
            headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }

    static func hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    @Test("an internal log and a public screenshot: who sees which, on every path, and the bytes as they were")
    func visibility() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        try await withHub(databasePath: path) { hub in try await Self.visibility(hub) }
        // After a restart on the same file: the same answers, the bytes from the file.
        try await withHub(databasePath: path) { hub in
            let rita = try await hub.token("rita", .requester)
            let mine = try await Self.send(hub, "GET", "/v1/attachments/A-2", token: rita)
            #expect(mine.status == 200 && mine.body == Self.png)
            #expect(try await Self.send(hub, "GET", "/v1/attachments/A-1", token: rita).status == 404)
            let detail = String(
                decoding: try await Self.send(hub, "GET", "/v1/tickets/T-1", token: rita).body, as: UTF8.self)
            #expect(detail.contains(#""A-2""#) && !detail.contains("backup.log"))
        }
    }

    @Test(
        "on PostgreSQL: the same answers, the bytes from the database",
        .enabled(if: PostgresTestDatabase.isAvailable))
    func visibilityOnPostgres() async throws {
        try await withPostgresHub { hub in try await Self.visibility(hub) }
    }

    static func visibility(_ hub: TestHub) async throws {
        do {
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            var ticket = ""
            try await withClient(hub.url) { client in
                try await client.hello(rita)
                ticket = try #require(try await client.command(openFrame("Backup fails every night")).ticket)
            }
            try await withClient(hub.url) { watcher in
                try await watcher.hello(rita)
                try await watcher.command(["type": "subscribe", "channels": ["ticket:\(ticket)"]])

                let log = Array("2026-12-07 02:00 backup: error 28 (no space left on device)\n".utf8)
                let note = try await upload(hub, ticket, name: "backup.log", log, token: alice)
                #expect(note.status == 201, "\(String(decoding: note.body, as: UTF8.self))")
                let file = try #require(note.json["attachment"] as? [String: Any])
                #expect(file["id"] as? String == "A-1")
                #expect(file["visibility"] as? String == "internal", "staff's files are internal unless said")
                #expect(file["mediaType"] as? String == "text/plain")
                #expect(file["size"] as? Int == log.count)
                #expect(file["sha256"] as? String == hex(log))
                #expect(note.headers["location"] == "/v1/attachments/A-1")

                let shot = try await upload(
                    hub, ticket, name: "../../Fehler\u{202E}gnp.exe", png, token: alice, visibility: "public")
                #expect(shot.status == 201)
                let picture = try #require(shot.json["attachment"] as? [String: Any])
                #expect(picture["mediaType"] as? String == "image/png")
                let safe = try #require(picture["name"] as? String)
                #expect(!safe.contains("/") && !safe.contains("\u{202E}") && !safe.contains(".."), "\(safe)")

                // Live: she gets the public file's event, not the internal one's.
                guard case .event(let frame) = try await watcher.next() else {
                    Issue.record("expected an event")
                    return
                }
                #expect(frame.event.type == .attachmentAdded)
                if case .attachmentAdded(let seen) = frame.event.payload { #expect(seen.id == "A-2") }
            }
            // Resume by since: the same, from the log.
            try await withClient(hub.url) { late in
                try await late.hello(rita)
                try await late.command(["type": "subscribe", "channels": ["ticket:\(ticket)"], "since": 0])
                let files = try events(in: try await rawFrames(late)).compactMap { frame -> String? in
                    if case .attachmentAdded(let file) = frame.event.payload { return file.id }
                    return nil
                }
                #expect(files == ["A-2"], "resume: \(files)")
            }
            // REST: the ticket and its history as she sees them.
            let detail = try await send(hub, "GET", "/v1/tickets/\(ticket)", token: rita)
            let text = String(decoding: detail.body, as: UTF8.self)
            #expect(text.contains(#""A-2""#) && !text.contains(#""A-1""#) && !text.contains("backup.log"), "\(text)")
            let history = try await send(hub, "GET", "/v1/tickets/\(ticket)/events", token: rita)
            #expect(!String(decoding: history.body, as: UTF8.self).contains("backup.log"))

            // Download: the internal file is as unknown to her as one that does not exist.
            let hidden = try await send(hub, "GET", "/v1/attachments/A-1", token: rita)
            let missing = try await send(hub, "GET", "/v1/attachments/A-99", token: rita)
            #expect(hidden.status == 404 && missing.status == 404)
            #expect(hidden.message == "no attachment A-1")
            let mine = try await send(hub, "GET", "/v1/attachments/A-2", token: rita)
            #expect(mine.status == 200 && mine.body == png)
            #expect(mine.headers["content-type"] == "image/png")
            #expect(mine.headers["content-disposition"]?.hasPrefix("inline;") == true)
            #expect(mine.headers["x-content-type-options"] == "nosniff")
            let theirs = try await send(hub, "GET", "/v1/attachments/A-1", token: alice)
            #expect(
                theirs.status == 200
                    && theirs.body == Array("2026-12-07 02:00 backup: error 28 (no space left on device)\n".utf8))
            #expect(theirs.headers["content-type"] == "application/octet-stream")
            #expect(
                theirs.headers["content-disposition"]
                    == #"attachment; filename="backup.log"; filename*=UTF-8''backup.log"#,
                "\(theirs.headers)")
        }
    }

    @Test(
        "limits, a refused internal upload by a requester, HTML posing as PNG, the same file twice stored once, replays"
    )
    func limitsAndRefusals() async throws {
        try await withHub(configure: {
            $0.swarm.attachmentMaxFile = 300_000
            $0.swarm.attachmentMaxTicket = 700_000
        }) { hub in
            let rita = try await hub.token("rita", .requester)
            let alice = try await hub.token("alice", .agent)
            var ticket = ""
            try await withClient(hub.url) { client in
                try await client.hello(rita)
                ticket = try #require(try await client.command(openFrame("Printer")).ticket)
            }
            let refused = try await Self.upload(
                hub, ticket, name: "x.txt", [1, 2, 3], token: rita, visibility: "internal")
            #expect(refused.status == 403, "a requester's files are public")
            let empty = try await Self.upload(hub, ticket, name: "empty.txt", [], token: rita)
            #expect(empty.status == 201)
            #expect((empty.json["attachment"] as? [String: Any])?["visibility"] as? String == "public")

            let exact = [UInt8](repeating: 0x41, count: 300_000)
            #expect(try await Self.upload(hub, ticket, name: "a.txt", exact, token: alice).status == 201)
            let over = try await Self.upload(hub, ticket, name: "b.txt", exact + [0x41], token: alice)
            #expect(over.status == 413)
            #expect(
                over.message == "the file has 300001 bytes, 1 over the limit of 300000 bytes per file",
                "\(over.json)")

            // The same bytes again: a second attachment, one blob.
            let again = try await Self.upload(hub, ticket, name: "a-again.txt", exact, token: alice)
            #expect(again.status == 201)
            #expect(try await hub.store.allBlobs().count == 2, "the empty file and the 300,000 A's")
            // The ticket is full: 600,000 of 700,000 bytes held.
            let full = try await Self.upload(
                hub, ticket, name: "c.txt", [UInt8](repeating: 0x42, count: 200_000), token: alice)
            #expect(full.status == 413)
            #expect(full.message?.contains("100000 bytes over its limit of 700000") == true)
            // The requester is not told the total, which counts the internal files she may not know of.
            let hers = try await Self.upload(
                hub, ticket, name: "d.txt", [UInt8](repeating: 0x43, count: 200_000), token: rita)
            #expect(hers.status == 413)
            #expect(
                hers.message
                    == "\(ticket) has no room for 200000 more bytes of files: its limit is 700000 bytes per ticket")

            // HTML named .png is HTML, and downloaded, never shown.
            let html = Array("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".utf8)
            let posing = try await Self.upload(hub, ticket, name: "cat.png", html, token: rita)
            let posed = try #require(posing.json["attachment"] as? [String: Any])
            #expect(posed["mediaType"] as? String == "text/html")
            let download = try await Self.send(hub, "GET", "/v1/attachments/\(posed["id"] as! String)", token: rita)
            #expect(download.headers["content-type"] == "application/octet-stream")
            #expect(download.headers["content-disposition"]?.hasPrefix("attachment;") == true)

            // An upload repeated with its Idempotency-Key attaches once.
            let first = try await Self.upload(hub, ticket, name: "n.txt", [9], token: alice, key: "k1")
            let second = try await Self.upload(hub, ticket, name: "n.txt", [9], token: alice, key: "k1")
            #expect(first.status == 201 && second.status == 201)
            #expect(
                (first.json["attachment"] as? [String: Any])?["id"] as? String
                    == (second.json["attachment"] as? [String: Any])?["id"] as? String)
            // Its retry is answered before the body is read: a body over the limit now changes nothing.
            let blobs = try await hub.store.allBlobs().count
            let retry = try await Self.upload(
                hub, ticket, name: "n.txt", [UInt8](repeating: 7, count: 300_001), token: alice, key: "k1")
            #expect(retry.status == 201, "\(retry.json)")
            #expect(
                (retry.json["attachment"] as? [String: Any])?["sha256"] as? String == Self.hex([9]),
                "the first answer")
            #expect(try await hub.store.allBlobs().count == blobs)
            let detail = try await Self.send(hub, "GET", "/v1/tickets/\(ticket)", token: alice)
            let attachments = ((detail.json["ticket"] as? [String: Any])?["attachments"] as? [[String: Any]]) ?? []
            #expect(attachments.count == 5, "empty, a, a-again, cat.png, n.txt")

            let limits = try await Self.send(hub, "GET", "/v1/limits", token: rita)
            #expect(limits.json["attachmentMaxFile"] as? Int == 300_000)
            #expect(limits.json["attachmentMaxTicket"] as? Int == 700_000)
            let bad = try await Self.send(
                hub, "POST", "/v1/tickets/\(ticket)/attachments?visibility=secret", token: alice, body: [1])
            #expect(bad.status == 400)
            let unknown = try await Self.upload(hub, "T-99", name: "x", [1], token: alice)
            #expect(unknown.status == 404)
        }
    }
}

/// Uploads through a real clamd (`--clamd`), with the EICAR test signature the harness writes.
@Suite("Live hub: attachments scanned by a real clamd", .serialized, .enabled(if: ClamdHarness.isAvailable))
struct AttachmentScanTests {
    @Test("a clean file is attached, EICAR is refused with its name and attaches nothing, a clamd away refuses")
    func scanning() async throws {
        try await ClamdHarness.with { clamd in
            try await withHub(configure: {
                $0.clamd = try? ClamdAddress(parsing: clamd.address)
                $0.clamdWait = .seconds(2)
            }) { hub in
                let alice = try await hub.token("alice", .agent)
                var ticket = ""
                try await withClient(hub.url) { client in
                    try await client.hello(alice)
                    ticket = try #require(try await client.command(openFrame("Mail attachment")).ticket)
                }
                let clean = try await AttachmentHubTests.upload(
                    hub, ticket, name: "notes.txt", Array("nothing to see".utf8), token: alice)
                #expect(clean.status == 201)

                let lastSeq = hub.ledger.snapshot.seq
                let infected = try await AttachmentHubTests.upload(
                    hub, ticket, name: "invoice.pdf", ClamdHarness.eicar, token: alice)
                #expect(infected.status == 422)
                #expect(
                    infected.message
                        == "the file carries \(ClamdHarness.signature) (ClamAV); it was not attached",
                    "\(String(decoding: infected.body, as: UTF8.self))")
                #expect(hub.ledger.snapshot.seq == lastSeq, "nothing was logged")
                #expect(hub.ledger.snapshot.state.tickets[ticket]?.attachments.count == 1)

                try await clamd.control("stop")
                let started = ContinuousClock.now
                let away = try await AttachmentHubTests.upload(
                    hub, ticket, name: "later.txt", Array("fine".utf8), token: alice)
                #expect(away.status == 503)
                #expect(away.message?.contains("the virus scanner cannot be reached") == true, "\(away.message ?? "")")
                #expect(ContinuousClock.now - started >= .seconds(1), "it waited for clamd before refusing")
                #expect(hub.ledger.snapshot.state.tickets[ticket]?.attachments.count == 1, "never attached unscanned")
            }
        }
    }
}
