import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

/// Replays the golden transcripts of Protocol/transcripts against a live hub.
@Suite("Golden transcripts")
struct TranscriptTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/transcripts")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".jsonl") }
            .sorted()
    }

    @Test func thereAreTranscripts() {
        #expect(Self.files.count >= 4)
    }

    @Test("transcript replays against a live hub", arguments: files)
    func replay(file: String) async throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
        let lines = try text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        guard let roles = lines.first?["tokens"] as? [String: String] else {
            throw TestFailure("\(file): the first line must be {\"tokens\": {…}}")
        }
        try await withHub(configure: Self.patient) { hub in
            var tokens: [String: String] = [:]
            for (name, role) in roles { tokens[name] = try await hub.token(name, Role(rawValue: role)!) }
            try await Self.run(Array(lines.dropFirst()), tokens: tokens, url: hub.url, file: file)
        }
    }

    /// A transcript's lines, and the tokens its first line asks for.
    static func load(_ file: String) throws -> (roles: [String: String], lines: [[String: Any]]) {
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        let lines = try text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        guard let roles = lines.first?["tokens"] as? [String: String] else {
            throw TestFailure("\(file): the first line must be {\"tokens\": {…}}")
        }
        return (roles, Array(lines.dropFirst()))
    }

    @Test(
        "transcript replays against a hub on PostgreSQL", .enabled(if: PostgresTestDatabase.isAvailable),
        arguments: files)
    func replayOnPostgres(file: String) async throws {
        let (roles, lines) = try Self.load(file)
        try await withPostgresHub(configure: Self.patient) { hub in
            var tokens: [String: String] = [:]
            for (name, role) in roles { tokens[name] = try await hub.token(name, Role(rawValue: role)!) }
            try await Self.run(lines, tokens: tokens, url: hub.url, file: file)
        }
    }

    @Test(
        "a transcript's log moves to PostgreSQL and back out the same (swarmd migrate)",
        .enabled(if: PostgresTestDatabase.isAvailable), arguments: files)
    func migrateRoundTrip(file: String) async throws {
        let (roles, lines) = try Self.load(file)
        let path = try await withHub(configure: Self.patient) { hub in
            var tokens: [String: String] = [:]
            for (name, role) in roles { tokens[name] = try await hub.token(name, Role(rawValue: role)!) }
            try await Self.run(lines, tokens: tokens, url: hub.url, file: file)
            return hub.databasePath
        }
        let source = try SQLiteEventStore(path: path)
        // Mail still waiting for the relay, and one sent: the queue and its cursor go with the log.
        let at = Timestamp(milliseconds: 1_000)
        try await source.enqueueMail(
            [
                MailJob(
                    id: "T-1.1@it.example", seq: 1, ticket: "T-1", recipient: "rita@customer.example",
                    kind: "opened", message: Array("Subject: a\r\n\r\nb\r\n".utf8), nextAttempt: at, createdAt: at),
                MailJob(
                    id: "T-1.2@it.example", seq: 2, ticket: "T-1", recipient: "rita@customer.example",
                    kind: "reply", message: [0x41], state: .sent, attempts: 1, nextAttempt: at, createdAt: at,
                    sentAt: at),
            ], through: try await source.lastSeq())
        // Webhook deliveries, one waiting and one sent, and two hooks' cursors at different places.
        try await source.enqueueWebhooks(
            [
                WebhookDelivery(
                    id: "e.1.chat", seq: 1, hook: "chat", ticket: "T-1", event: "ticket.opened",
                    body: Array(#"{"text":"a"}"#.utf8), nextAttempt: at, createdAt: at),
                WebhookDelivery(
                    id: "e.1.audit", seq: 1, hook: "audit", ticket: "T-1", event: "ticket.opened", body: [0x7B, 0x7D],
                    state: .sent, attempts: 1, nextAttempt: at, createdAt: at, sentAt: at),
            ], through: 1, hooks: ["audit"])
        try await source.enqueueWebhooks([], through: try await source.lastSeq(), hooks: ["chat"])
        try await PostgresTestDatabase.with { location in
            let report = try await PostgresEventStore.withStore(location, logger: quietLogger) { target in
                try await LogMigration.copy(from: source, to: target)
            }
            #expect(report.mails == 2)
            #expect(report.webhooks == 2)
            #expect(report.lastSeq == (try await source.lastSeq()))
            #expect(report.events > 0)
            #expect(report.tokens == roles.count)
            // A hub on the copy starts from the same state, and every token still works.
            try await PostgresEventStore.withStore(location, logger: quietLogger) { target in
                var original: [StoredEvent] = []
                try await source.forEachEvent { original.append($0) }
                var copied: [StoredEvent] = []
                try await target.forEachEvent { copied.append($0) }
                #expect(copied == original)
                #expect(
                    SwarmState.replaying(copied.map(\.event)) == SwarmState.replaying(original.map(\.event)))
                #expect(try await target.storedTokens() == source.storedTokens())
                #expect(try await target.allMail() == source.allMail())
                #expect(try await target.mailCursor() == source.mailCursor())
                #expect(try await target.allWebhooks() == source.allWebhooks())
                #expect(try await target.webhookCursors() == ["audit": 1, "chat": try await source.lastSeq()])
                // A second copy into the same database is refused, and changes nothing.
                let error = await #expect(throws: StoreError.self) {
                    try await LogMigration.copy(from: source, to: target)
                }
                #expect(error?.code == .notEmpty)
                #expect(try await target.lastSeq() == report.lastSeq)
            }
        }
    }

    /// Every client connects before the first line plays and says hello when its lines come: on a
    /// loaded machine (a PostgreSQL commit of a busy run takes long) that can be more than the
    /// default 10 s hello timeout after connecting, which would close it with 4001.
    static func patient(_ configuration: inout HubConfiguration) {
        configuration.helloTimeout = .seconds(600)
    }

    /// Opens one connection per client name (nested, so each stays open to the end) and plays the lines.
    static func run(_ lines: [[String: Any]], tokens: [String: String], url: String, file: String) async throws {
        var order: [String] = []
        for line in lines { if let name = line["client"] as? String, !order.contains(name) { order.append(name) } }
        func connect(_ remaining: ArraySlice<String>, _ clients: [String: TestClient]) async throws {
            guard let name = remaining.first else {
                try await play(lines, clients: clients, tokens: tokens, file: file)
                return
            }
            try await withClient(url) { client in
                var clients = clients
                clients[name] = client
                try await connect(remaining.dropFirst(), clients)
            }
        }
        try await connect(order[...], [:])
    }

    static func play(_ lines: [[String: Any]], clients: [String: TestClient], tokens: [String: String], file: String)
        async throws
    {
        var checked = 0
        defer {
            #expect(checked == lines.filter { $0["expect"] != nil }.count, "\(file): every expectation is checked")
        }
        for (number, line) in lines.enumerated() {
            guard let name = line["client"] as? String, let client = clients[name] else { continue }
            if let frame = line["send"] as? [String: Any] {
                try await client.send(substitute(frame, tokens) as! [String: Any])
            } else if let pattern = line["expect"] {
                guard case .text(let text) = await client.receive(timeout: .seconds(10)) else {
                    Issue.record("\(file) line \(number + 2): \(name) received nothing, expected \(pattern)")
                    return
                }
                let actual = try JSONSerialization.jsonObject(with: Data(text.utf8))
                if let mismatch = match(pattern, actual, path: "") {
                    Issue.record("\(file) line \(number + 2): \(mismatch)\n  got: \(text)")
                    return
                }
                checked += 1
            }
        }
    }

    static func substitute(_ value: Any, _ tokens: [String: String]) -> Any {
        if let text = value as? String, text.hasPrefix("$token:") { return tokens[String(text.dropFirst(7))] ?? text }
        if let object = value as? [String: Any] { return object.mapValues { substitute($0, tokens) } }
        if let array = value as? [Any] { return array.map { substitute($0, tokens) } }
        return value
    }

    /// `nil` when `actual` matches `pattern`, else what differs.
    static func match(_ pattern: Any, _ actual: Any, path: String) -> String? {
        if let text = pattern as? String {
            if text == "$any" { return nil }
            if text == "$timestamp" {
                return (actual as? String).flatMap(Timestamp.init(iso8601:)) != nil ? nil : "\(path): not a timestamp"
            }
            return (actual as? String) == text ? nil : "\(path): expected \"\(text)\", got \(actual)"
        }
        if let object = pattern as? [String: Any] {
            guard let actualObject = actual as? [String: Any] else { return "\(path): expected an object" }
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard let actualValue = actualObject[key] else { return "\(path).\(key): missing" }
                if let mismatch = match(value, actualValue, path: "\(path).\(key)") { return mismatch }
            }
            return nil
        }
        if let array = pattern as? [Any] {
            guard let actualArray = actual as? [Any], actualArray.count == array.count else {
                return "\(path): expected \(array.count) elements, got \(actual)"
            }
            for (index, pair) in zip(array, actualArray).enumerated() {
                if let mismatch = match(pair.0, pair.1, path: "\(path)[\(index)]") { return mismatch }
            }
            return nil
        }
        if let number = pattern as? NSNumber {
            return (actual as? NSNumber) == number ? nil : "\(path): expected \(number), got \(actual)"
        }
        return "\(path): unsupported pattern \(pattern)"
    }
}
