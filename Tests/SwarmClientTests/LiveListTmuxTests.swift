import Foundation
import SwarmClient
import SwarmTestSupport
import Testing

/// `swarm tickets --live` in a real terminal (tmux) against a real hub: the list follows the hub,
/// fits the terminal, survives the hub going away, and gives the terminal back as it was.
@Suite("swarm tickets --live in a real terminal", .serialized)
struct LiveListTmuxTests {
    /// A hub with alice (an agent, who watches) and rita (a requester, who opens tickets), both logged in.
    struct Setup {
        let folder: URL
        let db: String
        var hub: SwarmdProcess?
        let port: Int
        let alice: SwarmCLI
        let rita: SwarmCLI

        init() async throws {
            folder = try temporaryDirectory()
            db = folder.appendingPathComponent("data/swarm.sqlite").path
            let hub = try await SwarmdProcess(serve: db)
            self.hub = hub
            port = try #require(hub.port)
            let db = self.db
            func token(_ name: String, _ role: String) async throws -> String {
                let created = try await SwarmdProcess.run([
                    "token", "create", "--name", name, "--role", role, "--db", db,
                ])
                return try #require(created.out.split(separator: "\n").last.map(String.init))
            }
            alice = try SwarmCLI()
            rita = try SwarmCLI()
            let aliceLogin = try await alice.run([
                "login", "--server", "localhost:\(port)", "--token", try await token("alice", "agent"),
            ])
            #expect(aliceLogin.status == 0, "\(aliceLogin.err)")
            let ritaLogin = try await rita.run([
                "login", "--server", "localhost:\(port)", "--token", try await token("rita", "requester"),
            ])
            #expect(ritaLogin.status == 0, "\(ritaLogin.err)")
        }

        /// Rita opens a ticket; P1 is high × high, P3 medium × medium, P4 low × low.
        func open(_ title: String, _ level: String) async throws {
            let opened = try await rita.run(["open", "--title", title, "--urgency", level, "--impact", level])
            #expect(opened.status == 0, "\(opened.err)")
        }

        /// A script for tmux that runs `lines` as alice, then waits.
        func script(_ name: String, _ lines: String) throws -> String {
            let exports = alice.processEnvironment.filter {
                ["XDG_CONFIG_HOME", "NO_COLOR", "HOME", "PATH"].contains($0.key)
            }
            .map { "export \($0.key)='\($0.value)'" }.sorted().joined(separator: "\n")
            let script = folder.appendingPathComponent(name)
            try Data("#!/bin/sh\n\(exports)\nswarm='\(SwarmCLI.binary.path)'\n\(lines)\nsleep 3600\n".utf8).write(
                to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            return script.path
        }
    }

    /// The lines of a pane that start with a ticket id, in order: the list's rows.
    static func rows(_ pane: String) -> [String] {
        pane.split(separator: "\n").map(String.init).filter { $0.hasPrefix("T-") }
    }

    @Test(
        "the list shows a ticket opened elsewhere within seconds, in priority order, cuts to a small terminal, says when the hub is gone and goes on when it is back; q gives the terminal back"
    )
    func liveList() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        var setup = try await Setup()
        try await setup.open("Outlook is slow", "low")
        try await setup.open("Drucker meldet Papierstau", "medium")
        // Before and after: the main screen's text, the cursor right after it, and the tty's settings.
        let script = try setup.script(
            "live.sh",
            """
            echo "[the main screen]"
            before=$(stty -g)
            "$swarm" tickets --live --open --sort priority
            status=$?
            [ "$before" = "$(stty -g)" ] && tty=same || tty=changed
            echo "[live exited with status $status, tty $tty]"
            """)
        try tmux.run(["new-session", "-d", "-s", "live", "-x", "160", "-y", "40", script])
        var pane = try await tmux.waitFor("live", "the live list") {
            $0.contains("swarm tickets --open --sort priority   2 tickets, updated ") && Self.rows($0).count == 2
        }
        #expect(pane.contains("q quits, r reads again"), "\(pane)")
        #expect(!pane.contains("[the main screen]"), "the list is on the alternate screen:\n\(pane)")
        #expect(try await tmux.output(["display", "-p", "-t", "live", "#{alternate_on}"]) == "1\n")
        #expect(Self.rows(pane).map { String($0.prefix(6)) } == ["T-2  P", "T-1  P"], "P3 before P4:\n\(pane)")

        // A P1 opened in another terminal goes to the top within seconds: the feed's event, not the 30 s read.
        try await setup.open("VPN down for everyone", "high")
        pane = try await tmux.waitFor("live", "the new P1 on top", deadline: .seconds(20)) {
            Self.rows($0).map { String($0.prefix(7)) } == ["T-3  P1", "T-2  P3", "T-1  P4"]
        }
        #expect(pane.contains("3 tickets, updated "), "\(pane)")

        // A terminal too small for the list: the rows that do not fit are counted.
        try tmux.run(["resize-window", "-t", "live", "-x", "50", "-y", "4"])
        pane = try await tmux.waitFor("live", "the list cut to 4 rows") { $0.contains("… 2 more") }
        #expect(Self.rows(pane).count == 1 && Self.rows(pane).first?.hasPrefix("T-3") == true, "\(pane)")
        #expect(pane.split(separator: "\n").allSatisfy { $0.count <= 50 }, "no line wider than 50:\n\(pane)")
        try tmux.run(["resize-window", "-t", "live", "-x", "160", "-y", "40"])
        try await tmux.waitFor("live", "every row again") { Self.rows($0).count == 3 && !$0.contains("more") }

        // Resolved, T-2 leaves the open tickets.
        let resolved = try await setup.alice.run(["resolve", "T-2", "paper path cleaned"])
        #expect(resolved.status == 0, "\(resolved.err)")
        try await tmux.waitFor("live", "T-2 gone", deadline: .seconds(20)) {
            Self.rows($0).map { String($0.prefix(3)) } == ["T-3", "T-1"]
        }

        // The hub goes away: the header says so; back on its port, the list goes on.
        await setup.hub?.stop()
        setup.hub = nil
        try await tmux.waitFor("live", "the lost connection") { $0.contains("connection lost: ") }
        setup.hub = try await SwarmdProcess(serve: setup.db, extra: ["--port", "\(setup.port)"])
        try await tmux.waitFor("live", "the reconnect", deadline: .seconds(30)) {
            !$0.contains("connection lost") && $0.contains("2 tickets, updated ")
        }
        try await setup.open("Teams calls drop", "medium")
        pane = try await tmux.waitFor("live", "a ticket opened after the reconnect", deadline: .seconds(20)) {
            Self.rows($0).map { String($0.prefix(3)) } == ["T-3", "T-4", "T-1"]
        }

        // q: the main screen as it was, the cursor right after its last line, the tty as it was.
        try tmux.run(["send-keys", "-t", "live", "q"])
        pane = try await tmux.waitFor("live", "the shell's script again") { $0.contains("[live exited") }
        let lines = pane.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let main = try #require(lines.firstIndex(of: "[the main screen]"), "\(pane)")
        #expect(lines[main + 1] == "[live exited with status 0, tty same]", "\(pane)")
        #expect(!pane.contains("updated "), "nothing of the list is left on the main screen:\n\(pane)")
        #expect(try await tmux.output(["display", "-p", "-t", "live", "#{alternate_on} #{cursor_flag}"]) == "0 1\n")
        await setup.hub?.stop()
    }

    @Test("in the console, tickets --live holds the console's event lines until q, then the prompt is back")
    func liveInConsole() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let setup = try await Setup()
        try await setup.open("Outlook is slow", "low")
        let script = try setup.script("console.sh", "\"$swarm\"\necho \"[console exited with status $?]\"")
        try tmux.run(["new-session", "-d", "-s", "console", "-x", "160", "-y", "40", script])
        try await tmux.waitFor("console", "the prompt") { $0.contains("console for alice") && $0.contains("swarm> ") }
        try tmux.run(["send-keys", "-t", "console", "tickets --live --open", "Enter"])
        try await tmux.waitFor("console", "the live list") {
            $0.contains("swarm tickets --open --sort newest   1 ticket, updated ") && Self.rows($0).count == 1
        }

        // An event for the console's feed (queue:general) while the list has the screen: the list
        // shows the ticket, and the console's line for it waits.
        try await setup.open("VPN down for everyone", "high")
        var pane = try await tmux.waitFor("console", "the new ticket in the list", deadline: .seconds(20)) {
            Self.rows($0).count == 2
        }
        try await Task.sleep(for: .seconds(1))
        pane = try await tmux.capture("console")
        #expect(!pane.contains("ticket.opened"), "the console's event line is held:\n\(pane)")

        try tmux.run(["send-keys", "-t", "console", "Escape"])
        pane = try await tmux.waitFor("console", "the held line and the prompt") {
            $0.contains("ticket.opened") && $0.contains("VPN down for everyone")
                && $0.split(separator: "\n").last { !$0.isEmpty } == "swarm> "
        }
        #expect(!pane.contains("updated "), "the list is gone with the alternate screen:\n\(pane)")
        // The console reads its keys again: a command runs.
        try tmux.run(["send-keys", "-t", "console", "exit", "Enter"])
        try await tmux.waitFor("console", "the console to end") { $0.contains("[console exited with status 0]") }
        await setup.hub?.stop()
    }

    @Test("--live without a terminal, or with --json, is a usage error that says why")
    func usage() async throws {
        let alice = try SwarmCLI()
        let piped = try await alice.run(["tickets", "--live"])
        #expect(piped.status == ExitStatus.usage.rawValue)
        #expect(piped.err.contains("--live needs a terminal: standard output is not one"), "\(piped.err)")
        let json = try await alice.run(["tickets", "--live", "--json"])
        #expect(json.status == ExitStatus.usage.rawValue)
        #expect(json.err.contains("--live and --json exclude each other"), "\(json.err)")
    }
}
