import Foundation
import SwarmTestSupport
import Testing

/// `swarm comment T-1` with no words opens the user's editor: a real vi in a real terminal (tmux).
@Suite("swarm comment in $EDITOR, in a real terminal", .serialized)
struct EditorTmuxTests {
    @Test(
        "vi gets the terminal: what is saved is sent, ':cq' sends nothing, the console goes on and holds its events meanwhile, and no temporary file is left"
    )
    func commentInVi() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let folder = try temporaryDirectory()
        let db = folder.appendingPathComponent("data/swarm.sqlite").path
        let hub = try await SwarmdProcess(serve: db)
        let port = try #require(hub.port)
        let token = try #require(
            try await SwarmdProcess.run(["token", "create", "--name", "alice", "--role", "agent", "--db", db]).out
                .split(separator: "\n").last.map(String.init))
        let alice = try SwarmCLI()
        #expect(try await alice.run(["login", "--server", "localhost:\(port)", "--token", token]).status == 0)
        _ = try await alice.json(["open", "--title", "Printer on floor 3 jams"])

        // The temporary files go to a folder of the test's own, to see that none is left.
        let scratch = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let exports = alice.processEnvironment.filter {
            ["XDG_CONFIG_HOME", "NO_COLOR", "HOME", "PATH"].contains($0.key)
        }
        .map { "export \($0.key)='\($0.value)'" }.sorted().joined(separator: "\n")
        let swarm = "'\(SwarmCLI.binary.path)'"
        // A real vi, without the user's vimrc, viminfo or swap files. The script runs as tmux's
        // shells run programs: in the terminal's foreground process group.
        let script = folder.appendingPathComponent("comment.sh")
        try Data(
            """
            #!/bin/sh
            \(exports)
            export TMPDIR='\(scratch.path)'
            export VISUAL='vi -u NONE -i NONE -n'
            \(swarm) comment T-1
            echo "[comment exited with status $?]"
            read -r next
            \(swarm) comment T-1
            echo "[second comment exited with status $?]"
            read -r next
            \(swarm)
            echo "[console exited with status $?]"
            sleep 3600
            """.utf8
        ).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        try tmux.run(["new-session", "-d", "-s", "editor", "-x", "160", "-y", "40", script.path])

        // Writes `text` in the vi on screen and leaves it with `quit` (":wq" or ":cq").
        func write(_ text: String, quit: String) async throws {
            // vim draws its screen before it reads the keyboard, and flushes what was typed before:
            // a person does not type in the first milliseconds either.
            try await Task.sleep(for: .seconds(1))
            try tmux.run(["send-keys", "-t", "editor", "i", text, "Escape"])
            try await tmux.waitFor("editor", "the text in vi") { $0.contains(text) }
            try await Task.sleep(for: .milliseconds(300))
            try tmux.run(["send-keys", "-t", "editor", quit, "Enter"])
        }
        let template = "# Your comment on T-1."

        // The first comment: vi shows the template (a vi in a process group of its own was stopped
        // by the terminal and showed nothing), the text is saved and sent.
        try await tmux.waitFor("editor", "vi with the template") { $0.contains(template) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).count == 1)
        try await write("Swapped the fuser, printing again", quit: ":wq")
        var pane = try await tmux.waitFor("editor", "the first comment sent") {
            $0.contains("[comment exited with status 0]")
        }
        #expect(pane.contains("alice commented on T-1"), "\(pane)")
        // The script waits for Enter before the next vi, whose screen would hide this one's outcome.
        try tmux.run(["send-keys", "-t", "editor", "Enter"])

        // The second: quit with an error, nothing is sent.
        try await tmux.waitFor("editor", "vi again") { $0.contains(template) && !$0.contains("[comment exited") }
        try await write("Not this one", quit: ":cq")
        pane = try await tmux.waitFor("editor", "the second comment given up") {
            $0.contains("[second comment exited with status 1]")
        }
        #expect(pane.contains("exited with status 1; nothing was sent"), "\(pane)")
        try tmux.run(["send-keys", "-t", "editor", "Enter"])

        // In the console: an event arriving while vi has the terminal waits until vi is done.
        try await tmux.waitFor("editor", "the console") { $0.contains("swarm> ") }
        try tmux.run(["send-keys", "-t", "editor", "comment T-1", "Enter"])
        try await tmux.waitFor("editor", "vi from the console") { $0.contains(template) && !$0.contains("swarm> ") }
        _ = try await alice.json(["comment", "T-1", "written in another terminal"])
        try await Task.sleep(for: .seconds(1))
        pane = try await tmux.capture("editor")
        #expect(!pane.contains("written in another terminal"), "the event is held, not written over vi:\n\(pane)")
        try await write("From the console's editor", quit: ":wq")
        pane = try await tmux.waitFor("editor", "the console's comment sent and the held event shown") {
            $0.contains("written in another terminal")
                && $0.components(separatedBy: "alice commented on T-1").count == 3
        }
        try tmux.run(["send-keys", "-t", "editor", "exit", "Enter"])
        pane = try await tmux.waitFor("editor", "the console to end") { $0.contains("[console exited with") }
        #expect(pane.contains("[console exited with status 0]"), "\(pane)")

        let detail = try await alice.json(["show", "T-1"])
        let ticket = try #require(detail["ticket"] as? [String: Any])
        let bodies = try #require(ticket["comments"] as? [[String: Any]]).compactMap { $0["body"] as? String }
        #expect(
            bodies == [
                "Swapped the fuser, printing again", "written in another terminal", "From the console's editor",
            ], "\(bodies)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "no temporary file is left")
        await hub.stop()
    }
}
