import Foundation
import SwarmTestSupport
import Testing

/// `swarm tickets` and `swarm next` in a real terminal (tmux): the work list an agent lives in.
@Suite("The work list and swarm next, in a real terminal", .serialized)
struct WorkListTmuxTests {
    @Test("tickets sorted by priority with the time left, a search in German, next with its reasons, next --take")
    func workList() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let folder = try temporaryDirectory()
        let db = folder.appendingPathComponent("data/swarm.sqlite").path
        let config = folder.appendingPathComponent("swarmd.yaml")
        try "defaults:\n  sla: {}\n".write(to: config, atomically: true, encoding: .utf8)
        let hub = try await SwarmdProcess(serve: db, extra: ["--config", config.path])
        let port = try #require(hub.port)
        let token = try #require(
            try await SwarmdProcess.run(["token", "create", "--name", "alice", "--role", "agent", "--db", db]).out
                .split(separator: "\n").last.map(String.init))
        let alice = try SwarmCLI()
        #expect(try await alice.run(["login", "--server", "localhost:\(port)", "--token", token]).status == 0)
        let ritaToken = try #require(
            try await SwarmdProcess.run(["token", "create", "--name", "rita", "--role", "requester", "--db", db]).out
                .split(separator: "\n").last.map(String.init))
        let rita = try SwarmCLI()
        #expect(try await rita.run(["login", "--server", "localhost:\(port)", "--token", ritaToken]).status == 0)
        for (title, urgency, impact) in [
            ("Outlook is slow", "low", "low"), ("VPN down for everyone", "high", "high"),
            ("Drucker meldet ständig Papierstau", "medium", "medium"),
        ] {
            let opened = try await rita.run(["open", "--title", title, "--urgency", urgency, "--impact", impact])
            #expect(opened.status == 0, "\(opened.err)")
        }
        let exports = alice.processEnvironment.filter { ["XDG_CONFIG_HOME", "HOME", "PATH"].contains($0.key) }
            .map { "export \($0.key)='\($0.value)'" }.sorted().joined(separator: "\n")
        let swarm = "'\(SwarmCLI.binary.path)'"
        let script = folder.appendingPathComponent("day.sh")
        try Data(
            """
            #!/bin/sh
            \(exports)
            \(swarm) tickets --open --sort priority
            echo "[tickets exited with status $?]"
            \(swarm) tickets --search 'papierstau DRUCKER'
            echo "[search exited with status $?]"
            \(swarm) next
            echo "[next exited with status $?]"
            \(swarm) next --take
            echo "[take exited with status $?]"
            \(swarm) tickets --mine
            echo "[mine exited with status $?]"
            sleep 3600
            """.utf8
        ).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        try tmux.run(["new-session", "-d", "-s", "day", "-x", "160", "-y", "60", script.path])
        let pane = try await tmux.waitFor("day", "the whole day's commands") { $0.contains("[mine exited") }
        let lines = pane.split(separator: "\n").map(String.init)
        func index(_ text: String) -> Int? { lines.firstIndex { $0.contains(text) } }
        // By priority: P1 (T-2), P3 (T-3), P4 (T-1), each with the time left to its SLA deadline.
        #expect(lines.contains { $0.hasPrefix("ID ") && $0.contains("DUE") }, "\(pane)")
        let order = ["T-2  P1", "T-3  P3", "T-1  P4"].compactMap(index)
        #expect(order.count == 3 && order == order.sorted(), "\(pane)")
        #expect(try Regex("T-2  P1 +new +general +- +[0-9]+m ").firstMatch(in: pane) != nil, "\(pane)")
        #expect(pane.contains("[tickets exited with status 0]"))
        // The search finds the German ticket by its words, whatever their case.
        let search = try #require(index("[search exited with status 0]"))
        #expect(lines[(index("[tickets exited")! + 1)..<search].contains { $0.hasPrefix("T-3") })
        // next: the P1, with its reasons.
        #expect(pane.contains("T-2  P1  new  general  VPN down for everyone"), "\(pane)")
        #expect(pane.contains("- P1, the highest priority nobody has taken"), "\(pane)")
        #expect(pane.contains("- its SLA target is due in"), "\(pane)")
        #expect(pane.contains("alice took T-2"), "\(pane)")
        let mine = try #require(index("[take exited with status 0]"))
        #expect(lines[mine...].contains { $0.hasPrefix("T-2") && $0.contains("in_progress") && $0.contains("alice") })
        await hub.stop()
    }
}
