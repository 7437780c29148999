public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP receiver for the hub's webhooks on loopback: scripts/webhook-receiver (Python's
/// http.server and hmac, not the hub's own code) checks each post's signature and timestamp and logs
/// every raw POST, whatever it answered, to a file that outlives the process, so a test can stop it,
/// start it again on the same port and count every post it ever got.
public final class WebhookReceiver: Sendable {
    /// One POST as the receiver logged it.
    public struct Post: Sendable, Hashable {
        public var path: String
        public var delivery: String
        public var event: String
        public var hook: String
        /// The signature was right for the secret.
        public var signed: Bool
        /// The timestamp was within five minutes of the receiver's clock.
        public var fresh: Bool
        /// What the receiver answered.
        public var status: Int
        /// The body as JSON text (sorted keys).
        public var body: String

        /// The body decoded, to look into.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    public let port: Int
    /// The secret the receiver checks signatures with (the hooks' `secret_file`).
    public let secretFile: String
    private let logFile: String
    private let process: ChildProcess

    /// Whether Python 3 is there to run the receiver.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/webhook-receiver").path
    }

    /// Starts a receiver on `port` with a new secret and log in `folder`.
    ///
    /// - Parameters:
    ///   - fail: answers 503 to the first `fail` good posts.
    ///   - tolerance: how far, in seconds, a post's timestamp may be off the real clock (a test whose hub
    ///     runs on a manual clock moves it hours ahead).
    public convenience init(port: Int, folder: URL, fail: Int = 0, tolerance: Int = 300) async throws {
        let secretFile = folder.appendingPathComponent("hook.secret").path
        try "swarm-test-secret-\(UUID().uuidString)\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        try await self.init(
            port: port, secretFile: secretFile, logFile: folder.appendingPathComponent("posts.jsonl").path, fail: fail,
            tolerance: tolerance)
    }

    private init(port: Int, secretFile: String, logFile: String, fail: Int, tolerance: Int = 300) async throws {
        self.port = port
        self.secretFile = secretFile
        self.logFile = logFile
        let process = ChildProcess(
            "/usr/bin/python3",
            [
                Self.script, "--port", "\(port)", "--secret-file", secretFile, "--log", logFile, "--fail", "\(fail)",
                "--tolerance", "\(tolerance)",
            ])
        self.process = process
        // Generous, as for swarmd (SwarmdProcess): at the start of a full run the test process's threads are
        // busy with a hundred suites for half a minute, and this loop only reads the line when it runs.
        let deadline = ContinuousClock.now + .seconds(90)
        while !process.output.value.contains("listening on") {
            guard process.isRunning else {
                throw TestFailure("webhook-receiver exited: \(process.errors.value)")
            }
            guard ContinuousClock.now < deadline else { throw TestFailure("webhook-receiver did not start") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `http://127.0.0.1:PORT/PATH`.
    public func url(_ path: String = "hook") -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Stops the receiver (SIGTERM) and waits for it to end; its port refuses connections from then on.
    public func stop() async {
        process.send(SIGTERM)
        _ = try? await process.wait()
    }

    /// A new receiver on the same port, secret and log: what the stopped one got is still counted.
    public func restarted(fail: Int = 0) async throws -> WebhookReceiver {
        try await WebhookReceiver(port: port, secretFile: secretFile, logFile: logFile, fail: fail)
    }

    /// Every POST logged so far, in the order they came.
    public func posts() -> [Post] {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            let body = object["body"].flatMap {
                try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes])
            }
            return Post(
                path: object["path"] as? String ?? "", delivery: object["delivery"] as? String ?? "",
                event: object["event"] as? String ?? "", hook: object["hook"] as? String ?? "",
                signed: object["signed"] as? Bool ?? false, fresh: object["fresh"] as? Bool ?? false,
                status: object["status"] as? Int ?? 0, body: body.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
    }

    /// Waits (up to `timeout`) until at least `count` posts matching `predicate` were logged; returns them.
    @discardableResult
    public func waitForPosts(
        count: Int, timeout: Duration = .seconds(20), where predicate: (Post) -> Bool = { _ in true }
    ) async throws -> [Post] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let posts = self.posts().filter(predicate)
            if posts.count >= count { return posts }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("\(posts.count) of \(count) webhook posts arrived: \(self.posts())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
