import Foundation

/// The real mail of the tests (scripts/lib/mail.sh): a private Postfix on loopback whose mail for any
/// domain but the help desk's lands in one catch-all Maildir, a private Dovecot and a fetchmail rc, all
/// in a temporary folder. Needs Postfix, Dovecot and fetchmail installed (scripts/bootstrap-test).
public enum MailHarness {
    /// The harness's script.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib/mail.sh").path
    }

    /// Whether the mail servers the harness runs are installed.
    public static var isAvailable: Bool {
        ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/bin/fetchmail"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// What a started harness exports: `SWARM_TEST_SMTP_URL`, `SWARM_TEST_MAIL_CATCHALL` and the others
    /// scripts/lib/mail.sh lists.
    public struct Environment: Sendable {
        public var values: [String: String]
        /// The folder of the harness.
        public var folder: String
        /// Postfix's SMTP listener, `smtp://127.0.0.1:PORT`.
        public var smtpURL: String { values["SWARM_TEST_SMTP_URL"] ?? "" }
        /// The Maildir every message for another domain than the help desk's lands in.
        public var catchall: String { values["SWARM_TEST_MAIL_CATCHALL"] ?? "" }

        /// The messages delivered to the catch-all so far, oldest first.
        public func delivered() -> [String] {
            let new = URL(fileURLWithPath: catchall).appendingPathComponent("new")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
            return names.compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
        }

        /// Waits (up to `timeout`) until the catch-all holds at least `count` messages.
        public func waitForDelivery(count: Int, timeout: Duration = .seconds(20)) async throws -> [String] {
            let deadline = ContinuousClock.now + timeout
            while true {
                let messages = delivered()
                if messages.count >= count { return messages }
                guard ContinuousClock.now < deadline else {
                    throw TestFailure("\(messages.count) of \(count) messages reached the catch-all Maildir")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        /// Runs `scripts/lib/mail.sh VERB FOLDER ARGUMENTS…` (`stop`, `start`, `flush`, `fetch`, `append FILE`).
        public func control(_ verb: String, _ arguments: String...) async throws {
            let result = try await PostgresTestDatabase.run(
                "/bin/bash", [MailHarness.script, verb, folder] + arguments)
            guard result.status == 0 else { throw TestFailure("mail.sh \(verb): \(result.output)") }
        }
    }

    /// Starts a harness whose mail for the help desk goes to `hubURL` with the token in `tokenFile`, runs
    /// `body` with it, and destroys it afterwards however `body` ends.
    public static func with<T: Sendable>(
        hubURL: String = "http://127.0.0.1:9", tokenFile: String? = nil, _ body: (Environment) async throws -> T
    ) async throws -> T {
        let folder = "/tmp/swarm-mail-\(UUID().uuidString.prefix(8))"
        var token = tokenFile
        if token == nil {
            let path = NSTemporaryDirectory() + "swarm-mail-token-\(UUID().uuidString.prefix(8))"
            try "swm_not_used\n".write(toFile: path, atomically: true, encoding: .utf8)
            token = path
        }
        let started = try await PostgresTestDatabase.run("/bin/bash", [script, "init", folder, hubURL, token!])
        guard started.status == 0 else {
            _ = try? await PostgresTestDatabase.run("/bin/bash", [script, "destroy", folder])
            throw TestFailure("mail.sh init: \(started.output)")
        }
        var values: [String: String] = [:]
        let text = (try? String(contentsOfFile: folder + "/env", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        let environment = Environment(values: values, folder: folder)
        do {
            let result = try await body(environment)
            _ = try? await PostgresTestDatabase.run("/bin/bash", [script, "destroy", folder])
            return result
        } catch {
            _ = try? await PostgresTestDatabase.run("/bin/bash", [script, "destroy", folder])
            throw error
        }
    }
}
