import Foundation
import SwarmClient
import SwarmProtocol
import SwarmTestSupport
import Testing

/// The `swarm` binary against a live hub started by the test: real sockets, real exit codes,
/// `--json` parsed and checked.
@Suite("swarm commands against a live hub")
struct CommandTests {
    /// A user logged in to `hub` with a new token named `name`.
    func user(_ name: String, _ role: Role, on hub: TestHub) async throws -> SwarmCLI {
        let token = try await hub.token(name, role)
        let cli = try SwarmCLI()
        let login = try await cli.json(["login", "--server", hub.httpBase, "--token", token])
        #expect(login["agent"] as? String == name)
        #expect(login["role"] as? String == role.rawValue)
        return cli
    }

    @Test("login checks the token, saves a 0600 profile, and later commands use it")
    func loginSavesProfile() async throws {
        try await withHub { hub in
            let token = try await hub.token("alice")
            let cli = try SwarmCLI()
            let result = try await cli.run(["login", "--server", hub.url, "--token", token])
            #expect(result.status == 0, "\(result.err)")
            #expect(result.out.contains("as alice (agent)"))
            let attributes = try FileManager.default.attributesOfItem(atPath: cli.profilesFile.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let saved = try JSONDecoder().decode(ProfileFile.self, from: Data(contentsOf: cli.profilesFile))
            #expect(saved.current == "default")
            #expect(saved.profiles["default"]?.server == "http://127.0.0.1:\(hub.port)")
            #expect(saved.profiles["default"]?.token == token)
            let list = try await cli.json(["tickets"])
            #expect((list["tickets"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a bad token exits 3 with the hub's code and message; nothing is saved")
    func badTokenIsAuthFailure() async throws {
        try await withHub { hub in
            let cli = try SwarmCLI()
            let result = try await cli.run(["login", "--server", hub.httpBase, "--token", "swm_not-a-real-token"])
            #expect(result.status == ExitStatus.auth.rawValue)
            #expect(result.err == "error: unauthorized: unknown or revoked token\n")
            #expect(!FileManager.default.fileExists(atPath: cli.profilesFile.path))
            // Not logged in at all: the same status, and a hint.
            let bare = try await cli.run(["tickets"])
            #expect(bare.status == ExitStatus.auth.rawValue)
            #expect(bare.err.hasPrefix("error: not_logged_in: not logged in; run 'swarm login"))
            // A token from the environment that the hub does not know: REST says so.
            var env = cli
            env.environment = ["SWARM_SERVER": hub.httpBase, "SWARM_TOKEN": "swm_nope"]
            let rest = try await env.run(["tickets", "--json"])
            #expect(rest.status == ExitStatus.auth.rawValue)
            let body = try rest.json()["error"] as? [String: Any]
            #expect(body?["code"] as? String == "unauthorized")
        }
    }

    @Test("a hub that is not there exits 7, for WebSocket and REST commands alike")
    func hubDownIsConnectionFailure() async throws {
        let port = try await withHub { $0.port }  // a port that was just free and is closed again
        var cli = try SwarmCLI()
        cli.environment = ["SWARM_SERVER": "http://127.0.0.1:\(port)", "SWARM_TOKEN": "swm_whatever"]
        for arguments in [["join", "T-1"], ["tickets"], ["show", "T-1"]] {
            let result = try await cli.run(arguments)
            #expect(result.status == ExitStatus.connection.rawValue, "\(arguments)")
            #expect(result.err.hasPrefix("error: connection: cannot reach the hub at "), "\(result.err)")
            #expect(result.err.contains("connection refused"), "\(result.err)")
            #expect(!result.err.contains("Fatal") && !result.err.contains("Stack"))
        }
    }

    @Test("open, join, own, comment, status, resolve and reopen: acks in --json, state in show")
    func ticketLifecycle() async throws {
        try await withHub { hub in
            let rita = try await user("rita", .requester, on: hub)
            let alice = try await user("alice", .agent, on: hub)
            let bob = try await user("bob", .expert, on: hub)

            let opened = try await rita.json([
                "open", "--title", "VPN drops every hour", "--description", "since Monday", "--category", "network",
                "--urgency", "high", "--impact", "medium", "--skill", "network.vpn", "--queue", "network",
            ])
            #expect(opened["ticket"] as? String == "T-1")
            // The log does not start with the ticket: alice's and bob's first connections (at login)
            // each logged a presence.changed before their welcome (Protocol §22). So the seqs come
            // from the hub: every ack must name a new seq, and those seqs must be exactly the seqs
            // of the ticket's events in the log (checked against `show` below).
            var seqs = [try #require(opened["seq"] as? Int)]
            func step(_ user: SwarmCLI, _ arguments: [String], input: String = "") async throws {
                let seq = try #require(try await user.json(arguments, input: input)["seq"] as? Int, "\(arguments)")
                #expect(seq > seqs.last ?? 0, "\(arguments) acked seq \(seq) after \(seqs)")
                seqs.append(seq)
            }
            try await step(alice, ["join", "T-1"])
            try await step(bob, ["join", "1"])
            try await step(bob, ["own", "T-1"])
            try await step(alice, ["comment", "T-1", "MTU", "mismatch?"])
            try await step(bob, ["comment", "T-1", "-"], input: "checked:\nMTU 1500 vs 1400\n")
            try await step(bob, ["status", "T-1", "in_progress"])
            try await step(bob, ["resolve", "T-1", "MTU", "set", "to", "1400"])

            let shown = try await alice.json(["show", "T-1"])
            let ticket = try #require(shown["ticket"] as? [String: Any])
            #expect(ticket["status"] as? String == "resolved")
            #expect(ticket["resolution"] as? String == "MTU set to 1400")
            #expect(ticket["priority"] as? String == "P2")
            #expect(ticket["members"] as? [String] == ["alice", "bob"])
            #expect(ticket["owners"] as? [String] == ["bob"])
            let comments = try #require(ticket["comments"] as? [[String: Any]])
            #expect(comments.map { $0["body"] as? String } == ["MTU mismatch?", "checked:\nMTU 1500 vs 1400\n"])
            let events = try #require(shown["events"] as? [[String: Any]])
            #expect(events.map { $0["seq"] as? Int } == seqs, "one event per command, at the seq its ack named")
            #expect(
                events.compactMap { ($0["event"] as? [String: Any])?["type"] as? String } == [
                    "ticket.opened", "swarm.joined", "swarm.joined", "owner.added", "comment.added", "comment.added",
                    "status.changed", "status.changed",
                ])

            // The requester reopens the resolved ticket; the hub allows that.
            try await step(rita, ["reopen", "T-1"])
            // People get a sentence, not JSON.
            let text = try await alice.run(["unown", "T-1", "--agent", "bob"])
            #expect(text.status == ExitStatus.forbidden.rawValue, "only an owner may change owners: \(text.err)")
            let leave = try await alice.run(["leave", "T-1"])
            #expect(leave.status == 0)
            let after = try #require(try await alice.json(["show", "T-1"])["events"] as? [[String: Any]])
            let left = try #require(after.last)
            #expect((left["event"] as? [String: Any])?["type"] as? String == "swarm.left")
            let leftSeq = try #require(left["seq"] as? Int)
            #expect(leftSeq > seqs.last ?? 0)
            #expect(leave.out.hasPrefix("alice left the swarm of T-1  seq \(leftSeq)\n"), "\(leave.out)")
        }
    }

    @Test("not found, conflict, forbidden, invalid and usage each have their own exit status")
    func failureStatuses() async throws {
        try await withHub { hub in
            let alice = try await user("alice", .agent, on: hub)
            let rita = try await user("rita", .requester, on: hub)
            _ = try await rita.json(["open", "--title", "Printer jams"])

            let missing = try await alice.run(["show", "T-99"])
            #expect(missing.status == ExitStatus.notFound.rawValue)
            #expect(missing.err == "error: not_found: no ticket T-99\n")
            #expect(try await alice.run(["join", "T-99"]).status == ExitStatus.notFound.rawValue)

            #expect(try await alice.run(["join", "T-1"]).status == 0)
            let twice = try await alice.run(["join", "T-1", "--json"])
            #expect(twice.status == ExitStatus.conflict.rawValue)
            #expect(twice.err == "error: conflict: alice is already in the swarm of T-1\n")
            let body = try #require(try twice.json()["error"] as? [String: Any])
            #expect(body["code"] as? String == "conflict")

            let forbidden = try await rita.run(["join", "T-1"])
            #expect(forbidden.status == ExitStatus.forbidden.rawValue)
            #expect(forbidden.err.hasPrefix("error: forbidden: "))

            let invalid = try await alice.run(["open", "--title", "x", "--skill", "Not A Tag"])
            #expect(invalid.status == ExitStatus.invalid.rawValue)
            #expect(invalid.err.hasPrefix("error: invalid_field: field 'skills'"))

            let usage = try await alice.run(["status", "T-1", "finished"])
            #expect(usage.status == ExitStatus.usage.rawValue)
            #expect(usage.err.contains("finished"))
            let noTitle = try await alice.run(["open"])
            #expect(noTitle.status == ExitStatus.usage.rawValue, "no terminal, no title: \(noTitle.err)")
        }
    }

    @Test("tickets filters by status and queue at the hub, by mine and skill in the client")
    func ticketFilters() async throws {
        try await withHub { hub in
            let alice = try await user("alice", .agent, on: hub)
            let bob = try await user("bob", .agent, on: hub)
            _ = try await alice.json(["open", "--title", "VPN", "--skill", "network.vpn", "--queue", "network"])
            _ = try await bob.json(["open", "--title", "Laptop", "--skill", "hardware.laptop"])
            _ = try await bob.json(["open", "--title", "DNS", "--skill", "network.dns", "--queue", "network"])
            _ = try await alice.json(["join", "T-3"])
            _ = try await bob.json(["status", "T-2", "open"])

            func ids(_ result: [String: Any]) -> [String] {
                (result["tickets"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(ids(try await alice.json(["tickets"])) == ["T-3", "T-2", "T-1"])
            #expect(ids(try await alice.json(["tickets", "--mine"])) == ["T-3", "T-1"])
            #expect(ids(try await alice.json(["tickets", "--queue", "network"])) == ["T-3", "T-1"])
            #expect(ids(try await alice.json(["tickets", "--status", "open"])) == ["T-2"])
            #expect(ids(try await alice.json(["tickets", "--skill", "network"])) == ["T-3", "T-1"])
            #expect(ids(try await alice.json(["tickets", "--skill", "network.dns", "--mine"])) == ["T-3"])

            let table = try await alice.run(["tickets"])
            let lines = table.out.split(separator: "\n")
            #expect(lines.first?.hasPrefix("ID   PRI  STATUS  QUEUE    OWNERS  UPDATED") == true, "\(table.out)")
            #expect(lines.count == 4)
            #expect(!table.out.contains("\u{1B}["), "no colour when not a terminal")
        }
    }

    @Test("commands the hub does not offer yet say so and exit 8")
    func notOffered() async throws {
        let cli = try SwarmCLI()
        let cases: [([String], String)] = [
            (["skills", "set", "network.vpn=4"], "skills.set"),
            (["skills", "list"], "skills.set"),
            (["presence", "away"], "presence.set"),
            (["invites", "accept", "T-1"], "invite.answer"),
            (["escalate", "T-1"], "ticket.escalate"),
            (["metrics"], "metrics"),
            (["kb", "search", "vpn"], "knowledge-base"),
        ]
        for (arguments, frame) in cases {
            let result = try await cli.run(arguments)
            #expect(result.status == ExitStatus.notOffered.rawValue, "\(arguments)")
            #expect(result.err.hasPrefix("error: not_offered: the hub does not offer "), "\(result.err)")
            #expect(result.err.contains(frame))
        }
    }

    @Test("every command's help has examples; the root help lists the exit statuses")
    func helpHasExamples() async throws {
        let cli = try SwarmCLI()
        let root = try await cli.run(["--help"])
        #expect(root.status == 0)
        for status in ExitStatus.allCases { #expect(root.out.contains(status.summary)) }
        let commands = [
            "login", "logout", "tickets", "show", "open", "join", "leave", "comment", "own", "unown", "status",
            "resolve", "reopen", "watch", "console", "escalate", "skills", "presence", "invites", "kb", "metrics",
        ]
        for command in commands {
            let help = try await cli.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.out.contains("Example"), "swarm \(command) --help has no examples")
            #expect(root.out.contains(command))
        }
        let completion = try await cli.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0)
        #expect(completion.out.contains("tickets"))
    }

    @Test("the console runs one command per line from a pipe and exits with the last failure")
    func consoleFromPipe() async throws {
        try await withHub { hub in
            let alice = try await user("alice", .agent, on: hub)
            _ = try await alice.json(["open", "--title", "Shared drive is slow"])
            let result = try await alice.run(
                ["console"], input: "join T-1\ncomment T-1 \"looking at it\"\nshow T-1 --json\njoin T-1\nexit\n")
            #expect(result.status == ExitStatus.conflict.rawValue, "the second join conflicts: \(result.err)")
            #expect(result.out.contains("alice joined the swarm of T-1"))
            #expect(result.out.contains("alice commented on T-1"))
            #expect(result.out.contains(#""body":"looking at it""#))
            #expect(result.err.contains("error: conflict: alice is already in the swarm of T-1"))
        }
    }
}
