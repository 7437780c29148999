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

/// Uploads as clients send them beside the raw body — `multipart/form-data` from a browser's form — and as
/// they fail: cut off on a real socket, a token revoked before the download.
@Suite("Live hub: uploads by form, cut off, and revoked")
struct AttachmentUploadTests {
    typealias Hub = AttachmentHubTests

    static let boundary = "----swarm-boundary-7MA4YWxk"

    /// A `multipart/form-data` body of `parts`, each its `Content-Disposition` parameters and its bytes.
    static func form(_ parts: [(disposition: String, bytes: [UInt8])], closed: Bool = true) -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; \(part.disposition)\r\n".utf8)
            body += Array("Content-Type: application/octet-stream\r\n\r\n".utf8)
            body += part.bytes
            body += Array("\r\n".utf8)
        }
        if closed { body += Array("--\(boundary)--\r\n".utf8) }
        return body
    }

    static func post(_ hub: TestHub, _ ticket: String, query: String = "", form body: [UInt8], token: String)
        async throws -> Hub.Answer
    {
        try await Hub.send(
            hub, "POST", "/v1/tickets/\(ticket)/attachments\(query)", token: token, body: body,
            headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
    }

    static func attachments(_ hub: TestHub, _ ticket: String, token: String) async throws -> [[String: Any]] {
        let detail = try await Hub.send(hub, "GET", "/v1/tickets/\(ticket)", token: token)
        return ((detail.json["ticket"] as? [String: Any])?["attachments"] as? [[String: Any]]) ?? []
    }

    static func open(_ hub: TestHub, _ token: String, _ title: String) async throws -> String {
        try await withClient(hub.url) { client in
            try await client.hello(token)
            return try #require(try await client.command(openFrame(title)).ticket)
        }
    }

    @Test("multipart/form-data: the file part with its fields before it, its own name, and each malformed body refused")
    func formData() async throws {
        try await withHub(configure: { $0.swarm.attachmentMaxFile = 100_000 }) { hub in
            let alice = try await hub.token("alice", .agent)
            let rita = try await hub.token("rita", .requester)
            let ticket = try await Self.open(hub, rita, "The report does not print")

            // Bytes that begin a boundary and stop short of it, across the whole file: the parser must give
            // every one of them back.
            var bytes: [UInt8] = []
            for index in 0..<3000 {
                bytes += Array("\r\n--\(Self.boundary.prefix(index % 20))".utf8) + [UInt8(index % 256), 0x0D]
            }
            let sent = try await Self.post(
                hub, ticket,
                form: Self.form([
                    (#"name="visibility""#, Array("public".utf8)),
                    (#"name="file"; filename="Prüfbericht Dezember.pdf""#, bytes),
                ]), token: alice)
            #expect(sent.status == 201, "\(String(decoding: sent.body, as: UTF8.self))")
            let file = try #require(sent.json["attachment"] as? [String: Any])
            #expect(
                file["name"] as? String == "Prüfbericht Dezember.pdf", "the part's name, in UTF-8 as browsers send it")
            #expect(file["visibility"] as? String == "public", "the field before the file")
            #expect(file["sha256"] as? String == Hub.hex(bytes))
            let back = try await Hub.send(hub, "GET", "/v1/attachments/\(file["id"] as! String)", token: rita)
            #expect(back.status == 200 && back.body == bytes, "the requester downloads the public file, byte for byte")

            // RFC 8187's filename* wins over filename; a query parameter over both.
            let extended = try await Self.post(
                hub, ticket,
                form: Self.form([(#"name="file"; filename="a.txt"; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.txt"#, [1])]),
                token: alice)
            #expect((extended.json["attachment"] as? [String: Any])?["name"] as? String == "見積.txt")
            #expect((extended.json["attachment"] as? [String: Any])?["visibility"] as? String == "internal")
            let named = try await Self.post(
                hub, ticket, query: "?name=backup.log",
                form: Self.form([(#"name="file"; filename="x.txt""#, [2])]), token: alice)
            #expect((named.json["attachment"] as? [String: Any])?["name"] as? String == "backup.log")
            // A field the query overrides is still checked (found by schemathesis).
            let overridden = try await Self.post(
                hub, ticket, query: "?visibility=internal",
                form: Self.form([(#"name="visibility""#, Array("secret".utf8)), (#"name="file""#, [3])]), token: alice)
            #expect(
                overridden.status == 400
                    && overridden.message == "field 'visibility' must be public or internal, not 'secret'")
            // Fields after the file are read too (generic clients do not keep the schema's order), and a
            // retry with the key of an upload that was attached gets its first answer once they are checked.
            let after = try await Self.post(
                hub, ticket,
                form: Self.form([
                    (#"name="file"; filename="a.txt""#, [4]), (#"name="visibility""#, Array("public".utf8)),
                    (#"name="name""#, Array("late.txt".utf8)),
                ]), token: alice)
            let late = try #require(after.json["attachment"] as? [String: Any])
            #expect(late["name"] as? String == "late.txt" && late["visibility"] as? String == "public")
            let form = Self.form([(#"name="file""#, [5])])
            let first = try await Hub.send(
                hub, "POST", "/v1/tickets/\(ticket)/attachments", token: alice, body: form,
                headers: ["Content-Type": "multipart/form-data; boundary=\(Self.boundary)", "Idempotency-Key": "f1"])
            let again = try await Hub.send(
                hub, "POST", "/v1/tickets/\(ticket)/attachments", token: alice, body: form,
                headers: ["Content-Type": "multipart/form-data; boundary=\(Self.boundary)", "Idempotency-Key": "f1"])
            #expect(first.status == 201 && again.status == 201 && first.body == again.body)
            #expect(try await Self.attachments(hub, ticket, token: alice).count == 5)

            // Refused, each with its reason, and nothing attached.
            let refusals: [([UInt8], Int, String)] = [
                (
                    Self.form([(#"name="visibility""#, Array("public".utf8))]), 400,
                    "the multipart/form-data body has no part named 'file'"
                ),
                (
                    Self.form([(#"name="file"; filename="a.txt""#, Array(repeating: 7, count: 5000))], closed: false),
                    400, "the multipart/form-data body ends inside its file: it was cut off"
                ),
                (
                    Self.form([(#"name="comment""#, Array("hi".utf8)), (#"name="file""#, [1])]), 400,
                    "the multipart/form-data body has a part 'comment'; it may hold 'file', 'name' and 'visibility'"
                ),
                (
                    Self.form([(#"name="visibility""#, Array("secret".utf8)), (#"name="file""#, [1])]), 400,
                    "field 'visibility' must be public or internal, not 'secret'"
                ),
                (
                    Self.form([(#"name="file"; filename="a.txt""#, [1]), (#"name="file"; filename="b.txt""#, [2])]),
                    400, "the multipart/form-data body has more than one file; send one per upload"
                ),
                (
                    Self.form([(#"name="file"; filename="big.bin""#, Array(repeating: 1, count: 100_001))]), 413,
                    "the file is over the limit of 100000 bytes per file"
                ),
                (
                    Array("--\(Self.boundary)\r\nno header here\r\n\r\n".utf8), 400,
                    "the multipart/form-data body is malformed: a part's header line must be 'Name: value'"
                ),
                // A byte over 0x7F in a header name: multipart-kit's parser trapped on it (the hub stopped).
                (
                    Array("--\(Self.boundary)\r\nX-\u{E9}: 1\r\n\r\nx\r\n--\(Self.boundary)--\r\n".utf8), 400,
                    "the multipart/form-data body is malformed: a part's header name must be a token"
                ),
            ]
            for (body, status, message) in refusals {
                let answer = try await Self.post(hub, ticket, form: body, token: alice)
                #expect(answer.status == status && answer.message == message, "\(answer.status) \(answer.json)")
            }
            let noBoundary = try await Hub.send(
                hub, "POST", "/v1/tickets/\(ticket)/attachments", token: alice, body: [1],
                headers: ["Content-Type": "multipart/form-data"])
            #expect(noBoundary.status == 400)
            #expect(noBoundary.message == "a multipart/form-data body needs its boundary in Content-Type")
            // A requester's form asking for an internal file is refused before its bytes are stored.
            let privateFile = try await Self.post(
                hub, ticket,
                form: Self.form([(#"name="visibility""#, Array("internal".utf8)), (#"name="file""#, [1])]),
                token: rita)
            #expect(privateFile.status == 403, "\(privateFile.json)")
            #expect(try await Self.attachments(hub, ticket, token: alice).count == 5, "nothing refused was attached")
        }
    }

    /// The rows of an unfinished upload in the SQLite file at `path`.
    static func pendingUploads(_ path: String) async throws -> Int {
        let (status, output) = try await SwarmdProcess.toolOutput(
            "/usr/bin/sqlite3",
            [
                path,
                "SELECT (SELECT count(*) FROM blob_upload)"
                    + " + (SELECT count(*) FROM blob_data WHERE owner NOT IN (SELECT owner FROM blob));",
            ])
        try #require(status == 0, "sqlite3 is needed (scripts/bootstrap-test installs it)")
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test("an upload cut off half way on a real socket: nothing kept, nothing attached, nothing logged")
    func cutOff() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        try await withHub(databasePath: path) { hub in
            let alice = try await hub.token("alice", .agent)
            let ticket = try await Self.open(hub, alice, "Backup fails")
            let connection = try RawConnection(port: hub.port)
            let head =
                "POST /v1/tickets/\(ticket)/attachments?name=capture.pcap HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer \(alice)\r\nContent-Length: 2000000\r\n\r\n"
            #expect(connection.write(head))
            #expect(connection.write([UInt8](repeating: 0xA5, count: 800_000)))
            // The hub is storing it: chunks of an unfinished upload are in the file.
            var pending = 0
            for _ in 0..<300 where pending == 0 {
                pending = try await Self.pendingUploads(path)
                if pending == 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(pending > 0, "the upload was under way before it was cut off")
            shutdown(connection.fd, Int32(SHUT_RDWR))
            // Cut off: what was stored of it goes, at once, not with the hourly sweep.
            for _ in 0..<300 where pending != 0 {
                try await Task.sleep(for: .milliseconds(100))
                pending = try await Self.pendingUploads(path)
            }
            #expect(pending == 0, "the cut-off upload's chunks were discarded")
            #expect(try await hub.store.allBlobs().isEmpty, "no blob was kept")
            #expect(try await Self.attachments(hub, ticket, token: alice).isEmpty)
            let history = try await Hub.send(hub, "GET", "/v1/tickets/\(ticket)/events", token: alice)
            #expect(!String(decoding: history.body, as: UTF8.self).contains("attachment.added"))
            // The hub goes on taking uploads.
            let next = try await Hub.upload(hub, ticket, name: "ok.txt", [1, 2, 3], token: alice)
            #expect(next.status == 201)
        }
    }

    @Test("a download with a revoked token is refused; the file stays for everyone else")
    func revokedDownload() async throws {
        try await withHub { hub in
            let alice = try await hub.token("alice", .agent)
            let bob = try await hub.token("bob", .agent)
            let ticket = try await Self.open(hub, alice, "VPN drops")
            let log = Array("vpn: tunnel down\n".utf8)
            let sent = try await Hub.upload(hub, ticket, name: "vpn.log", log, token: alice)
            let id = try #require((sent.json["attachment"] as? [String: Any])?["id"] as? String)
            #expect(try await Hub.send(hub, "GET", "/v1/attachments/\(id)", token: alice).status == 200)
            _ = try await hub.store.revokeTokens("alice", at: systemClock())
            let refused = try await Hub.send(hub, "GET", "/v1/attachments/\(id)", token: alice)
            #expect(refused.status == 401, "\(refused.status) \(refused.json)")
            #expect(refused.body.count < 1024 && !refused.body.starts(with: log), "no byte of the file")
            let other = try await Hub.send(hub, "GET", "/v1/attachments/\(id)", token: bob)
            #expect(other.status == 200 && other.body == log)
        }
    }
}
