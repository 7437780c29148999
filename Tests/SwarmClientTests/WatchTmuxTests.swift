import Foundation
import Subprocess
import SwarmClient
import SwarmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A tmux server of its own (`tmux -L NAME`), so the test never touches the user's sessions.
struct Tmux {
    let executable: String
    let socket = "swarm-test-\(UUID().uuidString.prefix(8))"

    /// tmux from PATH; the test fails, loudly, when it is missing (scripts/bootstrap installs it).
    init() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/tmux" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        executable = try #require(
            path, "tmux is not installed: the watch test needs it (scripts/bootstrap installs it)")
    }

    /// Runs a tmux command that starts or stops things, with posix_spawn and waitpid.
    ///
    /// Not with Foundation's Process: it learns that a child ended when a socket the child inherited
    /// closes, and the tmux server that `new-session` forks inherits that socket and keeps it open for
    /// its whole life, so waiting for `tmux new-session` would never end. Nor with swift-subprocess
    /// (``output(_:)``), which is async: this one is synchronous because a test's `defer` stops the
    /// server with it (``kill()``), and a `defer` cannot await.
    func run(_ arguments: [String]) throws {
        let argv = ([executable, "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
        }
        // Nothing else is inherited: the server `new-session` forks lives as long as the test, and
        // SwiftNIO accepts sockets without close-on-exec, so it would hold the sockets of other
        // tests' in-process hubs open; a hub that closes one then sends no FIN (seen: the head-timeout
        // test waited 15 s for a close while the server held 26 sockets).
        Self.closeFrom(3, in: &actions)
        // The tmux server inherits the signal mask of the spawning thread, and the test runner's
        // threads block most signals; a server that never sees SIGCHLD never finishes kill-server.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, &attributes, argv, environ) == 0 else {
            throw TestFailure("cannot start tmux")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw TestFailure("tmux \(arguments) failed with wait status \(status)") }
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), which Swift's Glibc module does not
    /// show (it needs `_GNU_SOURCE`), looked up at run time.
    private static func closeFrom(_ first: Int32, in actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, first)
    }

    /// Runs a tmux command that prints something, against the running server; standard error is
    /// merged into what it returns.
    func output(_ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(["-L", socket] + arguments),
            output: .string(limit: .max), error: .combinedWithOutput)
        return result.standardOutput
    }

    /// The pane's text, wrapped lines joined, with its scrollback.
    func capture(_ session: String) async throws -> String {
        try await output(["capture-pane", "-p", "-J", "-S", "-500", "-t", session])
    }

    /// Polls the pane until `condition` holds; fails with the pane's text after a generous deadline.
    @discardableResult
    func waitFor(
        _ session: String, _ what: String, deadline: Duration = .seconds(60), _ condition: (String) -> Bool
    ) async throws -> String {
        let end = ContinuousClock.now + deadline
        while true {
            let pane = try await capture(session)
            if condition(pane) { return pane }
            guard ContinuousClock.now < end else { throw TestFailure("waited for \(what); the pane shows:\n\(pane)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func kill() { _ = try? run(["kill-server"]) }
}

@Suite("swarm watch in a real terminal", .serialized)
struct WatchTmuxTests {
    @Test(
        "watch shows another client's events live, resumes after a hub restart with no gap and no duplicate, and says when a backup was restored"
    )
    func watchAcrossRestart() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let folder = try temporaryDirectory()
        let db = folder.appendingPathComponent("data/swarm.sqlite").path
        var hub: SwarmdProcess? = try await SwarmdProcess(serve: db)
        let port = try #require(hub?.port)
        func token(_ name: String, _ role: String) async throws -> String {
            let created = try await SwarmdProcess.run(["token", "create", "--name", name, "--role", role, "--db", db])
            return try #require(created.out.split(separator: "\n").last.map(String.init))
        }
        let alice = try SwarmCLI()
        #expect(
            try await alice.run(["login", "--server", "localhost:\(port)", "--token", token("alice", "agent")]).status
                == 0)
        let bob = try SwarmCLI()
        #expect(
            try await bob.run(["login", "--server", "localhost:\(port)", "--token", token("bob", "expert")]).status == 0
        )
        _ = try await alice.json([
            "open", "--title", "VPN drops every hour", "--category", "network", "--urgency", "high",
        ])

        // Alice watches T-1 in a terminal 200 columns wide.
        let script = folder.appendingPathComponent("watch.sh")
        let environment = alice.processEnvironment.filter {
            ["XDG_CONFIG_HOME", "NO_COLOR", "HOME", "PATH"].contains($0.key)
        }
        let exports = environment.map { "export \($0.key)='\($0.value)'" }.sorted().joined(separator: "\n")
        try Data(
            """
            #!/bin/sh
            \(exports)
            '\(SwarmCLI.binary.path)' watch T-1
            echo "[watch exited with status $?]"
            sleep 3600
            """.utf8
        ).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        try tmux.run(["new-session", "-d", "-s", "watch", "-x", "200", "-y", "50", script.path])

        try await tmux.waitFor("watch", "the history of T-1") { $0.contains("ticket.opened") }
        // Bob, in another terminal, joins and comments: the watch window shows it.
        // Seqs come from the acks: the log also holds each agent's presence.changed (Protocol §22).
        let joined = try #require(try await bob.json(["join", "T-1"])["seq"] as? Int)
        let firstLook = try #require(try await bob.json(["comment", "T-1", "first look: MTU?"])["seq"] as? Int)
        var pane = try await tmux.waitFor("watch", "bob's comment") { $0.contains(#"bob: "first look: MTU?""#) }
        // The time is on the clock (HH:MM today), so it stays true however long the line stays on screen.
        // The join's ack names its last event: the hub moving the new ticket in progress.
        let joinedLine = try Regex(
            "T-1    [0-2][0-9]:[0-5][0-9] {8}swarm[.]joined    bob joined the swarm  #\(joined - 1)\n")
        #expect(pane.contains(joinedLine), "\(pane)")
        #expect(pane.contains("swarmd: new → in_progress  #\(joined)"), "\(pane)")
        #expect(pane.contains(#"comment.added   bob: "first look: MTU?"  #\#(firstLook)"#), "\(pane)")

        // Bob shows T-1 in his console, which tells the hub he is viewing it: alice's terminal shows
        // that as one line at the bottom (an activity frame, not an event), until the next line.
        let look = try await bob.run(["console"], input: "show T-1\nexit\n")
        #expect(look.status == 0, "\(look.err)")
        pane = try await tmux.waitFor("watch", "bob viewing T-1") { $0.contains("T-1    bob is viewing it (") }

        // The hub goes away; the watcher says so and keeps trying.
        await hub?.stop()
        hub = nil
        try await tmux.waitFor("watch", "the lost connection") { $0.contains("connection lost") }

        // While the watcher is away, a comment is made on a hub it cannot reach (another port)...
        let elsewhere = try await SwarmdProcess(serve: db)
        var bobElsewhere = bob
        bobElsewhere.environment = ["SWARM_SERVER": "http://127.0.0.1:\(elsewhere.port ?? 0)"]
        _ = try await bobElsewhere.json(["comment", "T-1", "made while you were away"])
        await elsewhere.stop()

        // ...then the hub is back on its port: the watcher resumes after the last event it showed,
        // bob's first comment, and gets the missed comment.
        hub = try await SwarmdProcess(serve: db, extra: ["--port", "\(port)"])
        #expect(hub?.port == port)
        try await tmux.waitFor("watch", "the reconnect") { $0.contains("reconnected; resumed after seq \(firstLook)") }
        _ = try await bob.json(["status", "T-1", "resolved"])
        pane = try await tmux.waitFor("watch", "the resolution") { $0.contains("in_progress → resolved") }

        let lines = pane.split(separator: "\n").map(String.init)
        func index(_ text: String) -> Int? { lines.firstIndex { $0.contains(text) } }
        #expect(lines.filter { $0.contains("made while you were away") }.count == 1, "no gap, no duplicate:\n\(pane)")
        #expect(lines.filter { $0.contains("first look: MTU?") }.count == 1, "no duplicate:\n\(pane)")
        #expect(lines.filter { $0.contains("ticket.opened") }.count == 1, "no duplicate:\n\(pane)")
        let order = [
            "ticket.opened", "first look", "connection lost", "reconnected", "made while you were away",
            "in_progress → resolved",
        ]
        let positions = order.compactMap(index)
        #expect(positions.count == order.count && positions == positions.sorted(), "in order:\n\(pane)")
        #expect(!pane.contains("[watch exited"), "\(pane)")
        #expect(!pane.contains("is viewing it"), "the activity line was replaced by the next line:\n\(pane)")

        // A backup, more work, then the backup restored on the same port: the watcher's seqs are the
        // old log's, so the hub refuses the resume (another epoch), and the watcher says so and goes on
        // from the restored log's present instead of missing what now has those numbers.
        let backup = folder.appendingPathComponent("backup.sqlite").path
        let backedUp = try await SwarmdProcess.run(["backup", "--db", db, backup])
        #expect(backedUp.status == 0, "\(backedUp.err)")
        _ = try await bob.json(["comment", "T-1", "after the backup"])
        try await tmux.waitFor("watch", "the comment after the backup") { $0.contains("after the backup") }
        await hub?.stop()
        hub = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: db)
        hub = try await SwarmdProcess(serve: db, extra: ["--port", "\(port)"])
        try await tmux.waitFor("watch", "the restored log") { $0.contains("log was restored from a backup") }
        _ = try await bob.json(["comment", "T-1", "on the restored log"])
        pane = try await tmux.waitFor("watch", "a comment on the restored log") { $0.contains("on the restored log") }
        #expect(!pane.contains("[watch exited"), "\(pane)")
        await hub?.stop()
    }

    @Test("a bare swarm in a terminal is the console: tab completes, events print above the prompt")
    func consoleInTerminal() async throws {
        let tmux = try Tmux()
        defer { tmux.kill() }
        let folder = try temporaryDirectory()
        let db = folder.appendingPathComponent("data/swarm.sqlite").path
        let hub = try await SwarmdProcess(serve: db)
        let port = try #require(hub.port)
        let alice = try SwarmCLI()
        let token = try #require(
            try await SwarmdProcess.run(["token", "create", "--name", "alice", "--role", "agent", "--db", db]).out
                .split(separator: "\n").last.map(String.init))
        #expect(try await alice.run(["login", "--server", "localhost:\(port)", "--token", token]).status == 0)
        _ = try await alice.json(["open", "--title", "Shared drive is slow"])

        let script = folder.appendingPathComponent("console.sh")
        let exports = alice.processEnvironment.filter {
            ["XDG_CONFIG_HOME", "NO_COLOR", "HOME", "PATH"].contains($0.key)
        }
        .map { "export \($0.key)='\($0.value)'" }.sorted().joined(separator: "\n")
        try Data(
            "#!/bin/sh\n\(exports)\n'\(SwarmCLI.binary.path)'\necho \"[console exited with status $?]\"\nsleep 3600\n"
                .utf8
        )
        .write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        try tmux.run(["new-session", "-d", "-s", "console", "-x", "200", "-y", "50", script.path])
        try await tmux.waitFor("console", "the prompt") { $0.contains("console for alice") && $0.contains("swarm> ") }

        // "jo" Tab "1" Tab completes to "join T-1 "; Enter runs it.
        try tmux.run(["send-keys", "-t", "console", "jo", "Tab"])
        try await tmux.waitFor("console", "the command completed") { $0.contains("swarm> join ") }
        try tmux.run(["send-keys", "-t", "console", "1", "Tab"])
        try await tmux.waitFor("console", "the ticket id completed") { $0.contains("swarm> join T-1 ") }
        try tmux.run(["send-keys", "-t", "console", "Enter"])
        // The event reaches the console's feed (alice is now in the swarm) and the ack prints too,
        // with the seq the log gave the join (not 2: alice's presence.changed is in the log too).
        let pane = try await tmux.waitFor("console", "the join and its event") {
            $0.contains("alice joined the swarm of T-1") && $0.contains("swarm.joined    alice joined the swarm  #")
        }
        let history = try #require(try await alice.json(["show", "T-1"])["events"] as? [[String: Any]])
        let join = try #require(history.first { ($0["event"] as? [String: Any])?["type"] as? String == "swarm.joined" })
        let joinSeq = try #require(join["seq"] as? Int)
        #expect(pane.contains("swarm.joined    alice joined the swarm  #\(joinSeq)\n"), "\(pane)")
        #expect(pane.contains("alice joined the swarm of T-1  seq \(joinSeq)"), "the ack names the same seq:\n\(pane)")
        #expect(!pane.contains("[console exited"), "\(pane)")
        // Half a line typed, then an event from another client: printed above, the line kept.
        try tmux.run(["send-keys", "-t", "console", "show T-"])
        _ = try await alice.json(["comment", "T-1", "from another terminal"])
        let after = try await tmux.waitFor("console", "the comment above the prompt") {
            $0.contains(#"alice: "from another terminal""#)
        }
        #expect(after.split(separator: "\n").last { !$0.isEmpty }.map(String.init) == "swarm> show T-", "\(after)")
        try tmux.run(["send-keys", "-t", "console", "C-u", "C-d"])
        try await tmux.waitFor("console", "the console to end") { $0.contains("[console exited with status 0]") }
        await hub.stop()
    }
}
