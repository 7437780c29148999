import Foundation
import Glibc
import SwarmClient
import SwarmConfiguration
import SwarmCore
import SwarmHub
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

    @Test("logins at the same moment each keep their profile: the file is changed under a lock")
    func concurrentLogins() async throws {
        try await withHub { hub in
            let names = (1...8).map { "agent\($0)" }
            var made: [String: String] = [:]
            for name in names { made[name] = try await hub.token(name) }
            let tokens = made
            // One user (one profiles file), eight real `swarm login` processes at once, each its own profile.
            let cli = try SwarmCLI()
            let statuses = try await withThrowingTaskGroup(of: (String, Int32, String).self) { group in
                for name in names {
                    group.addTask {
                        let result = try await cli.run([
                            "login", "--profile", name, "--server", hub.httpBase, "--token", tokens[name] ?? "",
                        ])
                        return (name, result.status, result.err)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = ($1.1, $1.2) }
            }
            for name in names { #expect(statuses[name]?.0 == 0, "\(name): \(statuses[name]?.1 ?? "")") }
            let saved = try JSONDecoder().decode(ProfileFile.self, from: Data(contentsOf: cli.profilesFile))
            #expect(saved.profiles.keys.sorted() == names.sorted())
            for name in names {
                #expect(saved.profiles[name]?.agent == name)
                #expect(saved.profiles[name]?.token == tokens[name])
            }
            #expect(saved.current.map(names.contains) == true)
            // No temporary file is left beside it; the lock file stays (it is empty).
            let folder = cli.profilesFile.deletingLastPathComponent().path
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
                    "profiles.json", "profiles.json.lock",
                ])
            // Logging out under the same lock.
            #expect(try await cli.run(["logout", "--profile", "agent3"]).status == 0)
            let after = try JSONDecoder().decode(ProfileFile.self, from: Data(contentsOf: cli.profilesFile))
            #expect(after.profiles.count == names.count - 1 && after.profiles["agent3"] == nil)
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
        // A port bound but never listening: connections to it are refused, and no other test's
        // hub can take it meanwhile (a port merely freed again could be).
        let (socket, port) = try closedPort()
        defer { close(socket) }
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

    /// A loopback TCP socket bound to a free port without listening, and its port.
    func closedPort() throws -> (Int32, Int) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                Glibc.bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw TestFailure("could not bind a loopback socket") }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
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
            // Each ack names the seq of its command's last event; alice's join has two (the hub moved the
            // new ticket in progress: the status follows the work), every other command one.
            let logged = events.compactMap { $0["seq"] as? Int }
            #expect(logged.filter { !seqs.contains($0) } == [seqs[1] - 1], "\(logged) \(seqs)")
            #expect(
                events.compactMap { ($0["event"] as? [String: Any])?["type"] as? String } == [
                    "ticket.opened", "swarm.joined", "status.changed", "swarm.joined", "owner.added", "comment.added",
                    "comment.added", "status.changed",
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

    @Test("open --dedup-key: the second open repeats on the first ticket; a bad key is invalid")
    func openWithDedupKey() async throws {
        try await withHub { hub in
            let nagios = try await user("nagios", .requester, on: hub)
            let first = try await nagios.json(["open", "--title", "db1: disk full", "--dedup-key", "nagios:db1/disk"])
            #expect(first["ticket"] as? String == "T-1")
            #expect(first["repeated"] == nil)
            let second = try await nagios.json(["open", "--title", "db1: disk full", "--dedup-key", "nagios:db1/disk"])
            #expect(second["ticket"] as? String == "T-1")
            #expect(second["repeated"] as? Bool == true)
            let text = try await nagios.run(["open", "--title", "db1: disk full", "--dedup-key", "nagios:db1/disk"])
            #expect(text.status == 0)
            #expect(text.out.hasPrefix("repeated on T-1"))
            let bad = try await nagios.run(["open", "--title", "x", "--dedup-key", " padded"])
            #expect(bad.status == ExitStatus.invalid.rawValue)
            #expect(bad.err == "error: invalid_field: field 'dedupKey' must not start or end with a space\n")
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.alert?.count == 3)
        }
    }

    @Test("tickets filters by status, queue and mine at the hub, by skill in the client")
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
            // --mine: the tickets she swarms on or owns (filtered by the hub); opening T-1 made her its requester only.
            #expect(ids(try await alice.json(["tickets", "--mine"])) == ["T-3"])
            #expect(ids(try await alice.json(["tickets", "--queue", "network"])) == ["T-3", "T-1"])
            #expect(ids(try await alice.json(["tickets", "--status", "open"])) == ["T-2"])
            // Her join moved T-3 in progress.
            #expect(ids(try await alice.json(["tickets", "--status", "in_progress"])) == ["T-3"])
            #expect(ids(try await alice.json(["tickets", "--skill", "network"])) == ["T-3", "T-1"])
            #expect(ids(try await alice.json(["tickets", "--skill", "network.dns", "--mine"])) == ["T-3"])

            let table = try await alice.run(["tickets"])
            let lines = table.out.split(separator: "\n")
            #expect(
                lines.first?.hasPrefix("ID   PRI  STATUS       QUEUE    OWNERS  UPDATED") == true, "\(table.out)")
            #expect(lines.count == 4)
            #expect(!table.out.contains("\u{1B}["), "no colour when not a terminal")
        }
    }

    @Test("escalate: up a tier in a tiered queue, to a vendor, and the hub's refusals with their exit codes")
    func escalate() async throws {
        try await withHub(configure: { configuration in
            var tiered = QueuePolicy()
            tiered.mode = .tiered
            configuration.swarm.queues["helpdesk"] = tiered
        }) { hub in
            let alice = try await user("alice", .agent, on: hub)
            let opened = try await alice.json([
                "open", "--title", "Scanner jams", "--description", "", "--category", "hardware", "--urgency", "low",
                "--impact", "low", "--queue", "helpdesk",
            ])
            #expect(opened["ticket"] as? String == "T-1")
            let up = try await alice.json(["escalate", "T-1", "--reason", "needs a technician"])
            #expect(up["seq"] as? Int == Int(hub.ledger.snapshot.seq))
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.tier == 2)
            let noVendor = try await alice.run(["escalate", "T-1", "--tier", "4", "--reason", "firmware"])
            #expect(noVendor.status == ExitStatus.invalid.rawValue, "\(noVendor.err)")
            #expect(noVendor.err.hasPrefix("error: invalid_field: field 'vendor' is required for tier 4"))
            let vendor = try await alice.run([
                "escalate", "T-1", "--tier", "4", "--vendor", "Acme", "--vendor-ref", "AC-1", "--reason", "firmware",
            ])
            #expect(vendor.status == 0, "\(vendor.err)")
            #expect(vendor.out.hasPrefix("escalated T-1"))
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.vendor == "Acme")
            try await alice.json([
                "open", "--title", "Swarmed", "--description", "", "--category", "other", "--urgency", "low",
                "--impact", "low",
            ])
            let swarmed = try await alice.run(["escalate", "T-2", "--reason", "x"])
            #expect(swarmed.status == ExitStatus.conflict.rawValue)
            #expect(swarmed.err.contains("is swarmed"))
        }
    }

    @Test("kb search finds published articles; kb apply resolves a requester's ticket (a deflection)")
    func knowledgeBase() async throws {
        try await withHub { hub in
            let alice = try await user("alice", .agent, on: hub)
            let rita = try await user("rita", .requester, on: hub)
            _ = await hub.ledger.submit(
                .client(.kbCreate(KBCreate(title: "VPN drops every hour", body: "Set the tunnel MTU to 1400."))),
                by: Principal(id: "alice", role: .agent), id: nil)
            let none = try await alice.run(["kb", "search", "toaster"])
            #expect(none.out == "no article matches\n")
            let found = try await rita.run(["kb", "search", "vpn", "drops"])
            #expect(found.status == 0, "\(found.err)")
            #expect(found.out.hasPrefix("KB-1   en  VPN drops every hour"), "\(found.out)")
            let opened = try await rita.json([
                "open", "--title", "VPN keeps dropping", "--description", "", "--category", "network", "--urgency",
                "low", "--impact", "low",
            ])
            let id = try #require(opened["ticket"] as? String)
            let applied = try await rita.json(["kb", "apply", id, "KB-1"])
            #expect(applied["seq"] as? Int == Int(hub.ledger.snapshot.seq))
            #expect(hub.ledger.snapshot.state.tickets[id]?.deflected == true)
            let again = try await rita.run(["kb", "apply", id, "KB-1"])
            #expect(again.status == ExitStatus.conflict.rawValue)
        }
    }

    @Test("kb create takes --language or lets the hub detect it; kb show and kb search show it; --language filters")
    func knowledgeBaseLanguage() async throws {
        try await withHub { hub in
            let alice = try await user("alice", .agent, on: hub)
            let rita = try await user("rita", .requester, on: hub)
            let english = try await alice.run([
                "kb", "create", "Printer jams", "--body", "Open the tray.", "--tag", "printer", "--language", "en",
            ])
            #expect(english.status == 0, "\(english.err)")
            #expect(english.out.hasPrefix("wrote KB-1 in en"), "\(english.out)")
            // Detected from the text, read from standard input.
            let german = try await alice.run(
                ["kb", "create", "Drucker meldet Papierstau", "--draft"],
                input: "Die vordere Klappe öffnen und das eingeklemmte Papier vorsichtig herausziehen.\n")
            #expect(german.status == 0, "\(german.err)")
            #expect(german.out.hasPrefix("drafted KB-2 in de"), "\(german.out)")
            let undecided = try await alice.json(["kb", "create", "Drucker printer", "--body", "Toner"])
            #expect(undecided["id"] as? String == "KB-3")
            #expect(undecided["language"] == nil)
            #expect(hub.ledger.snapshot.state.articles["KB-2"]?.language == "de")
            #expect(hub.ledger.snapshot.state.articles["KB-2"]?.status == .draft)

            let bad = try await alice.run(["kb", "create", "Drucker", "--body", "Toner", "--language", "fr"])
            #expect(bad.status == ExitStatus.usage.rawValue)
            #expect(bad.err.contains("--language"), "\(bad.err)")
            #expect(hub.ledger.snapshot.state.articles.count == 3)
            let noBody = try await alice.run(["kb", "create", "Drucker"])
            #expect(noBody.status == ExitStatus.invalid.rawValue, "an empty standard input is no article")
            #expect(noBody.err.contains("field 'body' must have 1 to 20000 characters"), "\(noBody.err)")

            let shown = try await alice.run(["kb", "show", "KB-2"])
            #expect(shown.status == 0, "\(shown.err)")
            #expect(shown.out.contains("language  de"), "\(shown.out)")
            #expect(shown.out.contains("Papier vorsichtig herausziehen"))
            #expect(try await alice.run(["kb", "show", "KB-3"]).out.contains("language  none (either)"))
            #expect(try await rita.run(["kb", "show", "KB-2"]).status == ExitStatus.notFound.rawValue, "a draft")

            let all = try await rita.run(["kb", "search", "drucker", "printer", "--limit", "10"])
            #expect(all.out == "KB-3   --  Drucker printer\nKB-1   en  Printer jams\n", "\(all.out)")
            let onlyEnglish = try await rita.run(["kb", "search", "drucker", "printer", "--language", "en"])
            #expect(onlyEnglish.out.split(separator: "\n").map { $0.prefix(4) } == ["KB-3", "KB-1"])
            // KB-2, the German one, is a draft: only KB-3, which has no language, is left.
            let onlyGerman = try await rita.run(["kb", "search", "drucker", "printer", "--language", "de", "--json"])
            let matches = try JSONSerialization.jsonObject(with: Data(onlyGerman.out.utf8)) as? [[String: Any]]
            #expect(matches?.map { $0["id"] as? String } == ["KB-3"])
        }
    }

    @Test("swarm work logs effort; swarm metrics --compare shows the modes side by side, for leads only")
    func workAndMetrics() async throws {
        try await withHub { hub in
            let alice = try await user("alice", .agent, on: hub)
            let lena = try await user("lena", .lead, on: hub)
            let rita = try await user("rita", .requester, on: hub)
            let opened = try await rita.json(["open", "--title", "Printer jams", "--category", "hardware"])
            let id = try #require(opened["ticket"] as? String)
            let logged = try await alice.run(["work", id, "1h30m", "cleared", "the", "rollers"])
            #expect(logged.status == 0, "\(logged.err)")
            #expect(logged.out.hasPrefix("alice logged 1h 30m on \(id)"))
            #expect(try await alice.run(["work", id, "25h"]).status == ExitStatus.usage.rawValue)
            #expect(try await alice.run(["work", id, "soon"]).status == ExitStatus.usage.rawValue)
            #expect(try await alice.run(["resolve", id, "new", "rollers"]).status == 0)
            #expect(hub.ledger.snapshot.state.tickets[id]?.effortMinutes == 90)

            let refused = try await alice.run(["metrics"])
            #expect(refused.status == ExitStatus.forbidden.rawValue)
            #expect(refused.err.contains("only leads and admins read metrics"), "\(refused.err)")

            let table = try await lena.run(["metrics", "--compare", "--agents"])
            #expect(table.status == 0, "\(table.err)")
            let lines = table.out.split(separator: "\n").map(String.init)
            let header = try #require(lines.first { $0.contains("swarm") && $0.contains("tiered") })
            #expect(header.contains("hybrid"))
            let opened1 = try #require(lines.first { $0.hasPrefix("Tickets opened") })
            #expect(opened1.split(separator: " ").suffix(3) == ["1", "0", "0"])
            let effort = try #require(lines.first { $0.hasPrefix("Effort per ticket") })
            #expect(effort.contains("1h 30m"))
            let agentRow = try #require(lines.first { $0.hasPrefix("alice") })
            #expect(agentRow.contains("1h 30m"))

            let csv = try await lena.run(["metrics", "--csv", "--mode", "swarm", "--from", "2020-01-01"])
            #expect(csv.status == 0, "\(csv.err)")
            let rows = csv.out.split(separator: "\n")
            #expect(rows.count == 2 + Via.allCases.count && rows[1].hasPrefix("swarm,1,1,0,"))
            let json = try await lena.json(["metrics", "--json", "--priority", "p4"])
            #expect(json["priority"] as? String == "P4")
            #expect(try await lena.run(["metrics", "--from", "last week"]).status == ExitStatus.usage.rawValue)
            #expect(try await lena.run(["metrics", "--mode", "ladder"]).status == ExitStatus.usage.rawValue)
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
            "invite", "help-request", "candidates", "work",
        ]
        for command in commands {
            let help = try await cli.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.out.contains("Example"), "swarm \(command) --help has no examples")
            #expect(root.out.contains(command))
        }
        for subcommand in [["skills", "list"], ["skills", "set"], ["skills", "tags"], ["invites", "accept"]] {
            let help = try await cli.run(subcommand + ["--help"])
            #expect(help.status == 0)
            #expect(help.out.contains("Example"), "swarm \(subcommand.joined(separator: " ")) --help has no examples")
        }
        #expect(try await cli.run(["skills", "set", "--help"]).out.contains("REPLACES the whole set"))
        // Each paragraph is wrapped to the terminal (COLUMNS here), not broken where the source was.
        var narrow = cli
        for width in [60, 100] {
            narrow.environment["COLUMNS"] = "\(width)"
            for arguments in [[]] + commands.map { [$0] } + [["skills", "set"], ["invites", "decline"]] {
                let help = try await narrow.run(arguments + ["--help"])
                let problems = HelpLayout.problems(in: help.out, width: width)
                #expect(
                    problems.isEmpty,
                    "swarm \(arguments.joined(separator: " ")) --help at \(width) columns: \(problems)")
            }
        }
        let completion = try await cli.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0)
        #expect(completion.out.contains("tickets"))
    }

    @Test("skills: set replaces the set, --add and --remove merge, unchanged sets log nothing; tags and --all")
    func skills() async throws {
        // A long presence grace: nobody goes offline while the test runs, so presence is what it sets.
        try await withHub(configure: { $0.presenceGrace = .seconds(600) }) { hub in
            let dana = try await user("dana", .expert, on: hub)
            let nick = try await user("nick", .agent, on: hub)
            let lena = try await user("lena", .lead, on: hub)
            let rita = try await user("rita", .requester, on: hub)

            #expect(try await dana.json(["skills", "set", "network.dns=5", "linux=3"])["seq"] is Int)
            #expect(try await dana.json(["skills"])["skills"] as? [String: Int] == ["network.dns": 5, "linux": 3])
            // skills.set replaces: without --add, linux is gone.
            _ = try await dana.json(["skills", "set", "network.dns=5"])
            #expect(try await dana.json(["skills", "list"])["skills"] as? [String: Int] == ["network.dns": 5])
            _ = try await dana.json(["skills", "set", "--add", "linux=3", "windows.ad=2"])
            _ = try await dana.json(["skills", "set", "--remove", "windows.ad"])
            #expect(try await dana.json(["skills"])["skills"] as? [String: Int] == ["network.dns": 5, "linux": 3])
            // The same set again: the hub logs nothing, the ack has no seq, and people are told so.
            #expect(try await dana.json(["skills", "set", "linux=3", "network.dns=5"])["seq"] == nil)
            let same = try await dana.run(["skills", "set", "linux=3", "network.dns=5"])
            #expect(same.out == "dana's skills are unchanged: linux=3 network.dns=5\n", "\(same.out)")
            let text = try await dana.run(["skills"])
            #expect(text.out.hasPrefix("dana  available  load 0\n"), "\(text.out)")
            #expect(text.out.contains("  network.dns  5      0"), "\(text.out)")

            // A lead sets nick's skills; a synonym is stored as its tag. Nick may not set dana's.
            _ = try await lena.json(["skills", "set", "--agent", "nick", "networking=2"])
            #expect(try await nick.json(["skills"])["skills"] as? [String: Int] == ["network": 2])
            let forbidden = try await nick.run(["skills", "set", "--agent", "dana", "linux=1"])
            #expect(forbidden.status == ExitStatus.forbidden.rawValue, "\(forbidden.err)")
            let level = try await dana.run(["skills", "set", "linux=9"])
            #expect(level.status == ExitStatus.invalid.rawValue)
            #expect(level.err.hasPrefix("error: invalid_field: field 'skills.linux'"), "\(level.err)")
            let unknown = try await dana.run(["skills", "set", "pigeon=2"])
            #expect(unknown.status == ExitStatus.invalid.rawValue)
            #expect(try await dana.run(["skills", "set", "linux"]).status == ExitStatus.usage.rawValue)
            #expect(try await dana.run(["skills", "set"]).status == ExitStatus.usage.rawValue, "no silent clear")
            #expect(try await dana.run(["skills", "set", "--remove", "cloud"]).status == ExitStatus.usage.rawValue)
            #expect(try await rita.run(["skills"]).status == ExitStatus.forbidden.rawValue)
            #expect(try await dana.run(["skills", "--agent", "nobody"]).status == ExitStatus.notFound.rawValue)

            let all = try #require(try await lena.json(["skills", "--all"])["agents"] as? [[String: Any]])
            #expect(all.compactMap { $0["id"] as? String } == ["dana", "lena", "nick"])
            let table = try await lena.run(["skills", "--all"])
            #expect(table.out.contains("dana   available  0     linux=3 network.dns=5"), "\(table.out)")

            let tags = try #require(try await rita.json(["skills", "tags", "network"])["tags"] as? [[String: Any]])
            #expect(tags.allSatisfy { ($0["tag"] as? String)?.hasPrefix("network") == true })
            let dns = try #require(tags.first { $0["tag"] as? String == "network.dns" })
            #expect(dns["agents"] as? Int == 1)
            #expect((try await rita.run(["skills", "tags"])).out.hasPrefix("TAG "))
        }
    }

    @Test("presence: shown from the hub, set with presence.set; offline is the hub's")
    func presence() async throws {
        try await withHub(configure: { $0.presenceGrace = .seconds(600) }) { hub in
            let dana = try await user("dana", .expert, on: hub)
            let shown = try await dana.json(["presence"])
            #expect(shown["presence"] as? String == "available")
            #expect(try await dana.json(["presence", "busy"])["seq"] is Int)
            #expect(try await dana.json(["presence"])["presence"] as? String == "busy")
            #expect(try await dana.json(["presence"])["chosen"] as? String == "busy")
            let again = try await dana.run(["presence", "busy"])
            #expect(again.out == "dana is busy already\n", "no seq: nothing logged")
            #expect(try await dana.run(["presence"]).out == "dana is busy\n")
            let offline = try await dana.run(["presence", "offline"])
            #expect(offline.status == ExitStatus.invalid.rawValue)
            #expect(offline.err.contains("offline is set by the hub"), "\(offline.err)")
            #expect(try await dana.run(["presence", "lunch"]).status == ExitStatus.usage.rawValue)
        }
    }

    @Test("invitations: listed from the tickets, accepted and declined; invite, help-request, candidates")
    func invitations() async throws {
        try await withHub(configure: { $0.presenceGrace = .seconds(600) }) { hub in
            let dana = try await user("dana", .expert, on: hub)
            let nick = try await user("nick", .agent, on: hub)
            let lena = try await user("lena", .lead, on: hub)
            let rita = try await user("rita", .requester, on: hub)
            _ = try await dana.json(["skills", "set", "network.dns=5"])
            _ = try await nick.json(["skills", "set", "network=2"])
            _ = try await lena.json(["skills", "set", "linux=4"])
            // No skill named: the hub infers network.dns from "nslookup" and invites dana and nick.
            _ = try await rita.json([
                "open", "--title", "Intranet names do not resolve", "-d", "nslookup intranet.corp times out",
                "--category", "network",
            ])

            let pending = try #require(try await dana.json(["invites"])["invitations"] as? [[String: Any]])
            #expect(pending.count == 1)
            #expect(pending.first?["ticket"] as? String == "T-1")
            #expect(pending.first?["score"] as? Int == 100)
            #expect(pending.first?["origin"] as? String == "opened")
            let list = try await dana.run(["invites", "list"])
            let rows = list.out.split(separator: "\n")
            #expect(rows.first?.hasPrefix("TICKET  PRI  SCORE  ORIGIN  INVITED") == true, "\(list.out)")
            #expect(rows.count == 2 && rows[1].contains("100    opened") && rows[1].contains("in 9m"), "\(list.out)")
            #expect(rows.last?.hasSuffix("Intranet names do not resolve") == true, "\(list.out)")
            #expect(try await lena.json(["invites"])["invitations"] as? [Any] != nil)

            let accepted = try await dana.run(["invites", "accept", "T-1"])
            #expect(accepted.out.hasPrefix("dana accepted the invitation to T-1 and is in its swarm  seq "))
            let again = try await dana.run(["invites", "accept", "T-1"])
            #expect(again.status == ExitStatus.notFound.rawValue)
            #expect(again.err == "error: not_found: you have no pending invitation to T-1\n")
            #expect(try await nick.json(["invites", "decline", "1"])["seq"] is Int)
            #expect(try await nick.run(["invites"]).out == "no pending invitations\n")

            let ranked = try await lena.json(["candidates", "T-1"])
            #expect(ranked["inferredSkills"] as? [String] == ["network.dns"])
            let candidates = try #require(ranked["candidates"] as? [[String: Any]])
            #expect(candidates.compactMap { $0["agent"] as? String } == ["nick"], "dana is a member now")
            let rankedText = try await lena.run(["candidates", "T-1"])
            #expect(rankedText.out.hasPrefix("T-1 needs network.dns (inferred)\n"), "\(rankedText.out)")
            #expect(rankedText.out.contains("1     nick   20     network level 2 partly covers network.dns: +20"))
            #expect(rankedText.out.contains("dana   100    opened  accepted"), "\(rankedText.out)")
            #expect(rankedText.out.contains("nick   20     opened  declined"), "\(rankedText.out)")
            // To a requester a ranking is no ticket of hers: not_found, as for a ticket that does not exist.
            #expect(try await rita.run(["candidates", "T-1"]).status == ExitStatus.notFound.rawValue)

            // Nick declined, so the hub will not invite him again by itself; dana may, by name.
            let byName = try await dana.run(["invite", "T-1", "--agent", "nick"])
            #expect(byName.out.hasPrefix("invited nick (score 20) to T-1  seq "), "\(byName.out)")
            let requested = try #require(try await nick.json(["invites"])["invitations"] as? [[String: Any]])
            #expect(requested.first?["origin"] as? String == "requested")
            let noneLeft = try await dana.run(["invite", "T-1", "--count", "1"])
            #expect(noneLeft.status == ExitStatus.conflict.rawValue, "\(noneLeft.err)")
            #expect(try await dana.run(["invite", "T-1", "--agent", "x", "--count", "2"]).status == 64)

            // A member asks for Linux: lena, who knows it, is invited.
            let help = try await dana.run(["help-request", "T-1", "linux", "--note", "resolv.conf is rewritten"])
            #expect(
                help.out.hasPrefix("asked for help with linux on T-1; invited lena (score 80)  seq "), "\(help.out)")
            let notMember = try await nick.run(["help-request", "T-1", "linux"])
            #expect(notMember.status == ExitStatus.forbidden.rawValue)
            #expect(try await dana.run(["help-request", "T-1"]).status == ExitStatus.usage.rawValue)

            let shown = try await dana.run(["show", "T-1"])
            #expect(shown.out.contains("  inferred   network.dns\n"), "\(shown.out)")
            #expect(shown.out.contains("invitations\n"), "\(shown.out)")
            #expect(shown.out.contains("lena   80     help       pending"), "\(shown.out)")
            #expect(shown.out.contains("invited dana (score 100: network.dns level 5, exact match)"), "\(shown.out)")
            #expect(shown.out.contains(#"dana asks for help: linux "resolv.conf is rewritten""#), "\(shown.out)")
            #expect(shown.out.contains("nick declined the invitation"), "\(shown.out)")
        }
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

            // 'help' lists the console's commands, one line each; not the command line's help.
            let help = try await alice.run(["console"], input: "help\n")
            #expect(help.status == 0, "\(help.err)")
            #expect(help.out.contains("  comment         Comment on a ticket.\n"), "\(help.out)")
            #expect(help.out.contains("  exit            Leave the console.\n"), "\(help.out)")
            #expect(!help.out.contains("console  "), "the console is not a command in itself:\n\(help.out)")
            for text in ["USAGE:", "OPTIONS:", "Exit status", ExitStatus.connection.summary, "SWARM_TOKEN"] {
                #expect(!help.out.contains(text), "\(text) in:\n\(help.out)")
            }
            #expect(help.out.split(separator: "\n").count < 40, "brief:\n\(help.out)")
            let commentHelp = try await alice.run(["console"], input: "help comment\n")
            #expect(commentHelp.out.contains("USAGE: swarm comment"), "\(commentHelp.out)")
        }
    }
}
