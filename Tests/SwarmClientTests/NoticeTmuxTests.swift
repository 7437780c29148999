import Foundation
import SwarmTestSupport
import Testing

/// Notices as a person gets them: `swarm watch` and the console in real terminals (tmux), a real
/// `swarmd`, other people's `swarm` commands making the events.
@Suite("notices in a real terminal", .serialized)
struct NoticeTmuxTests {
    @Test(
        "an invitation, an assignment, an SLA warning and the requester's answer ring in watch and the console: the 🔔 lines, tmux's bell, the OSC 9 through tmux's passthrough, notify-send"
    )
    func notices() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let folder = try temporaryDirectory()
        let db = folder.appendingPathComponent("data/swarm.sqlite").path
        // P1's first response is due after 10 s: its warning (at 80 %) comes 8 s after the ticket opens.
        let config = folder.appendingPathComponent("swarmd.yaml")
        try "defaults:\n  sla:\n    P1: {first_response: 10s, resolution: 1h}\n".write(
            to: config, atomically: true, encoding: .utf8)
        let hub = try await SwarmdProcess(serve: db, extra: ["--config", config.path])
        let port = try #require(hub.port)
        func user(_ name: String, _ role: String) async throws -> SwarmCLI {
            let created = try await SwarmdProcess.run(["token", "create", "--name", name, "--role", role, "--db", db])
            let token = try #require(created.out.split(separator: "\n").last.map(String.init))
            let cli = try SwarmCLI()
            let login = try await cli.run(["login", "--server", "localhost:\(port)", "--token", token])
            #expect(login.status == 0, "\(login.err)")
            return cli
        }
        let bob = try await user("bob", "expert")
        let alice = try await user("alice", "agent")
        let rita = try await user("rita", "requester")
        _ = try await bob.json(["skills", "set", "network.dns=5"])

        // Bob keeps the standard kinds, bell and desktop escape, and adds notify-send — here a stand-in
        // that writes down its arguments, with a D-Bus session address so that it counts as a desktop.
        let chosen = try await bob.run(["notify", "--notify-send"])
        #expect(chosen.status == 0, "\(chosen.err)")
        #expect(chosen.out.contains("kinds        invite,assign,sla,answer"), "\(chosen.out)")
        let bin = folder.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let sent = folder.appendingPathComponent("notify-send.log")
        // One write a call (the two terminals call it at the same moment): lines never interleave.
        try Data("#!/bin/sh\nline=$(printf '%s|' \"$@\")\nprintf '%s\\n' \"$line\" >> '\(sent.path)'\n".utf8)
            .write(to: bin.appendingPathComponent("notify-send"))
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent("notify-send").path)

        var environment = bob.processEnvironment.filter { ["XDG_CONFIG_HOME", "NO_COLOR", "HOME"].contains($0.key) }
        environment["PATH"] = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        environment["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
        environment["TERM"] = "xterm-256color"
        let exports = environment.map { "export \($0.key)='\($0.value)'" }.sorted().joined(separator: "\n")
        // Bob watches queue:general (his own channel is followed besides, for notices) in one terminal
        // and has the console (his own channel among its defaults) in another.
        for (session, command) in [("watch", "watch queue:general"), ("console", "console")] {
            let script = folder.appendingPathComponent("\(session).sh")
            try Data(
                """
                #!/bin/sh
                \(exports)
                '\(SwarmCLI.binary.path)' \(command)
                echo "[\(session) exited with status $?]"
                sleep 3600
                """.utf8
            ).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            try tmux.run(["new-session", "-d", "-s", session, "-x", "220", "-y", "50", script.path])
            // Everything the program writes, byte for byte, before tmux interprets it.
            let raw = folder.appendingPathComponent("\(session).raw").path
            try tmux.run(["pipe-pane", "-t", session, "cat >> '\(raw)'"])
        }
        try await tmux.waitFor("watch", "the watch to start") { $0.contains("watching queue:general as bob") }
        try await tmux.waitFor("console", "the console's prompt") {
            $0.contains("console for bob") && $0.contains("swarm> ")
        }
        func bell(_ session: String) async throws -> String {
            try await tmux.output(["display", "-p", "-t", session, "#{window_bell_flag}"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await bell("watch") == "0", "nothing rang yet")

        // 1. Rita's ticket needs DNS: the hub invites bob.
        _ = try await rita.json([
            "open", "--title", "Intranet names do not resolve", "-d", "nslookup intranet.corp times out",
            "--category", "network",
        ])
        for session in ["watch", "console"] {
            try await tmux.waitFor(session, "the invitation", deadline: .seconds(15)) {
                $0.contains("🔔 invitation: T-1 — you are invited (score 100), answer in ")
                    && $0.contains(#": "Intranet names do not resolve"  #"#)
            }
            #expect(try await bell(session) == "1", "tmux saw the bell in \(session)")
        }

        // 2. Bob accepts (his own action: no notice); alice's internal note is no answer; rita's reply is.
        #expect(try await bob.run(["invites", "accept", "T-1"]).status == 0)
        #expect(try await alice.run(["comment", "T-1", "checking the resolver"]).status == 0)
        #expect(try await rita.run(["comment", "T-1", "still failing from home"]).status == 0)
        for session in ["watch", "console"] {
            try await tmux.waitFor(session, "the answer", deadline: .seconds(15)) {
                $0.contains(#"🔔 answer: T-1 — rita: "still failing from home"  #"#)
            }
        }

        // 3. Alice opens a P1 and makes bob its owner; nobody answers it, so 8 s after it opened its
        //    first response is due soon and bob, who owns it, hears of it.
        _ = try await alice.json([
            "open", "--title", "Printer on floor 3 jams", "--category", "hardware", "--urgency", "high", "--impact",
            "high",
        ])
        #expect(try await alice.run(["own", "T-2", "--agent", "bob"]).status == 0)
        for session in ["watch", "console"] {
            try await tmux.waitFor(session, "the assignment", deadline: .seconds(15)) {
                $0.contains(#"🔔 assigned: T-2 — alice made you an owner: "Printer on floor 3 jams"  #"#)
            }
        }
        for session in ["watch", "console"] {
            try await tmux.waitFor(session, "the SLA warning", deadline: .seconds(40)) {
                $0.contains("🔔 SLA warning: T-2 — first response due in ")
            }
        }

        for session in ["watch", "console"] {
            let pane = try await tmux.capture(session)
            // (T-2's breach, two seconds after its warning, may be there too on a busy machine: a notice of its own.)
            let notices = pane.split(separator: "\n").filter { $0.contains("🔔") && !$0.contains("🔔 SLA breached: T-2") }
            #expect(notices.count == 4, "the four, nothing for bob's own or alice's note, nothing twice:\n\(pane)")
            #expect(!pane.contains("exited with status"), "\(pane)")
            // The raw output: the OSC 9 wrapped in tmux's passthrough (ESC doubled), then a bare BEL.
            let raw = try String(contentsOfFile: folder.appendingPathComponent("\(session).raw").path, encoding: .utf8)
            for title in ["invitation: T-1", "answer: T-1", "assigned: T-2", "SLA warning: T-2"] {
                #expect(raw.contains("\u{1B}Ptmux;\u{1B}\u{1B}]9;swarm: \(title) — "), "\(session): \(title)")
            }
            let breached = raw.contains("SLA breached: T-2")
            #expect(
                raw.components(separatedBy: "\u{07}\u{1B}\\\u{07}").count - 1 == (breached ? 5 : 4),
                "\(session): four bells")
        }
        #expect(try await bell("console") == "1")

        // notify-send ran for each notice in each terminal. The breach of T-2's target follows its warning
        // by two seconds and may have rung by now on a busy machine (a full CI run saw it): it is a fifth
        // notice of its own, not a second one of these.
        let calls = try String(contentsOf: sent, encoding: .utf8).split(separator: "\n").filter {
            !$0.contains("|swarm: SLA breached: T-2|")
        }
        #expect(calls.count == 8, "\(calls)")
        #expect(calls.filter { $0.hasPrefix("--app-name=swarm|--|swarm: invitation: T-1|you are invited") }.count == 2)
        #expect(calls.filter { $0.contains("swarm: answer: T-1|rita: \"still failing from home\"|") }.count == 2)
        await hub.stop()
    }
}
