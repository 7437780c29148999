import Foundation
import SwarmConfiguration
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Process: swarmd as users run it", .serialized)
struct ProcessTests {
    func databasePath() throws -> String {
        try temporaryDirectory().appendingPathComponent("data/swarm.sqlite").path
    }

    @Test("acknowledged events survive kill -9 at any moment, and resume after restart has no gap")
    func killNineKeepsEveryAck() async throws {
        let path = try databasePath()
        // The writer pipelines 400 comments at once, twice the default burst: without a higher rate
        // the refusals past the burst would close it as a flood (4029) before the kill.
        let hub = try await SwarmdProcess(
            serve: path, extra: ["--command-rate", "100000", "--principal-rate", "1000000"])
        let admin = try #require(hub.adminToken)
        let created = try await SwarmdProcess.run([
            "token", "create", "--name", "alice", "--role", "agent", "--db", path,
        ])
        let alice = try #require(created.out.split(separator: "\n").last.map(String.init))
        #expect(alice.hasPrefix("swm_"))

        // A subscriber follows the ticket; a writer keeps commenting, pipelined, while we kill the hub.
        var acked: [String: Int64] = [:]
        var seenBySubscriber: [Int64] = []
        try await withClient(hub.url) { watcher in
            try await watcher.hello(admin)
            try await withClient(hub.url) { writer in
                try await writer.hello(alice)
                try await writer.command(openFrame("survives kill -9"))
                try await watcher.command(["type": "subscribe", "channels": ["ticket:T-1"], "since": 0])
                for i in 0..<400 {
                    try? await writer.send([
                        "type": "comment.add", "id": "k\(i)", "ticket": "T-1", "body": "comment \(i)",
                    ])
                }
                // Collect acks until some have arrived, then kill in the middle of the stream.
                while acked.count < 150 {
                    guard case .ack(let ack) = try await writer.next() else { continue }
                    acked[ack.id] = ack.seq
                }
                await hub.stop(signal: SIGKILL)
                // Whatever else reached us before the socket died was acknowledged too.
                while let received = await writer.receive(timeout: .seconds(2)), case .text(let text) = received {
                    if case .ack(let ack) = try ServerFrame.decode(text) { acked[ack.id] = ack.seq }
                }
            }
            while let received = await watcher.receive(timeout: .seconds(2)), case .text(let text) = received {
                if case .event(let event) = try ServerFrame.decode(text) { seenBySubscriber.append(event.seq) }
            }
        }
        #expect(acked.count >= 150)
        // Seq 1 and 2 are admin and alice coming online (presence.changed); T-1 starts at 3.
        #expect(seenBySubscriber == Array(3...Int64(seenBySubscriber.count + 2)), "live delivery has no gap")

        let restarted = try await SwarmdProcess(serve: path)
        #expect(restarted.adminToken == nil, "a database with tokens gets no new admin token")
        try await withClient(restarted.url) { client in
            try await client.hello(alice)
            // Resume from what the subscriber had seen: exactly the rest, in order.
            let from = seenBySubscriber.last ?? 0
            try await client.send(["type": "subscribe", "id": "r", "channels": ["ticket:T-1"], "since": from])
            guard case .ack(let ack) = try await client.next(), let latest = ack.seq else {
                throw TestFailure("expected the subscribe ack with a seq")
            }
            let rest = try await client.drainEvents()
            #expect(rest.map(\.seq) == Array(stride(from: from + 1, through: latest, by: 1)))
            // Every acknowledged comment is in the log after the kill.
            let log = Set(seenBySubscriber + rest.map(\.seq))
            for (id, seq) in acked { #expect(log.contains(seq), "ack \(id) (seq \(seq)) was lost") }
            // Retrying an acknowledged id after the restart gets its first ack, not a second comment.
            let (id, seq) = acked.first!
            let retry = try await client.command(["type": "comment.add", "id": id, "ticket": "T-1", "body": "retry"])
            #expect(retry.seq == seq)
        }
        await restarted.stop()
    }

    @Test("SIGTERM stops the hub gracefully with status 0")
    func gracefulStop() async throws {
        let hub = try await SwarmdProcess(serve: try databasePath())
        let status = await hub.stop(signal: SIGTERM)
        #expect(status == 0)
    }

    @Test("bad skill settings stop serve with a message naming the problem, before it listens")
    func badSkillSettings() async throws {
        let folder = try temporaryDirectory()
        let taxonomy = folder.appendingPathComponent("taxonomy.json")
        try Data(#"{"tags":{"network.dns":{}}}"#.utf8).write(to: taxonomy)
        let db = folder.appendingPathComponent("swarm.sqlite").path
        let bad = try await SwarmdProcess.run(["serve", "--port", "0", "--db", db, "--taxonomy", taxonomy.path])
        #expect(bad.status == 2)
        #expect(bad.err.contains("taxonomy.json: tag 'network.dns' needs its parent 'network'"), "\(bad.err)")
        #expect(bad.out.isEmpty, "no admin token, no listening line")
        #expect(!FileManager.default.fileExists(atPath: db), "the database is not created")
        let missing = try await SwarmdProcess.run([
            "serve", "--port", "0", "--db", db, "--taxonomy", "/nonexistent.json",
        ])
        #expect(missing.status == 2)
        #expect(missing.err.contains("cannot read the taxonomy file /nonexistent.json"))
        for flags in [
            ["--invite-timeout", "10 minutes"], ["--backlog-after", "0s"], ["--invitations", "0"],
            ["--queue-invitations", "network"], ["--queue-invitations", "network=99"],
        ] {
            let refused = try await SwarmdProcess.run(["serve", "--port", "0", "--db", db] + flags)
            #expect(refused.status == 64, "\(flags)")
            #expect(refused.err.contains(flags[0]), "\(flags): \(refused.err)")
        }
    }

    @Test("a bad queue configuration stops serve with the file, the line and the problem")
    func badQueueConfiguration() async throws {
        let folder = try temporaryDirectory()
        let config = folder.appendingPathComponent("swarmd.yaml")
        try Data("queues:\n  helpdesk:\n    mode: ladder\n".utf8).write(to: config)
        let db = folder.appendingPathComponent("swarm.sqlite").path
        let bad = try await SwarmdProcess.run(["serve", "--port", "0", "--db", db, "--config", config.path])
        #expect(bad.status == 2)
        #expect(bad.err.contains("swarmd.yaml:3: queues.helpdesk.mode: 'ladder' is not one of"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test("settings come from the configuration file's hub section, and a flag wins over the file")
    func settingsFromFileAndFlags() async throws {
        let folder = try temporaryDirectory()
        let config = folder.appendingPathComponent("swarmd.yaml")
        /// Waits for the hub to close a connection that never says hello; its close code.
        func helloClose(_ hub: SwarmdProcess) async throws -> UInt16? {
            let socket = try await RawWebSocket(port: try #require(hub.port), token: nil)
            socket.setReadTimeout(.seconds(10))
            while let frame = try await socket.read() {
                if case .close(let code) = frame { return code }
            }
            return nil
        }
        // The file alone: a short hello timeout closes a silent connection at once.
        try Data("hub:\n  hello-timeout: 300ms\n  max-subscriptions: 5\n".utf8).write(to: config)
        let fromFile = try await SwarmdProcess(
            serve: folder.appendingPathComponent("a.sqlite").path, extra: ["--config", config.path])
        #expect(try await helloClose(fromFile) == CloseCode.helloTimeout)
        await fromFile.stop()
        // The file says an hour; the flag says 300 ms and wins.
        try Data("hub:\n  hello-timeout: 1h\n".utf8).write(to: config)
        let flagWins = try await SwarmdProcess(
            serve: folder.appendingPathComponent("b.sqlite").path,
            extra: ["--config", config.path, "--hello-timeout", "300ms"])
        #expect(try await helloClose(flagWins) == CloseCode.helloTimeout)
        await flagWins.stop()
        // A bad value in the file names the file, the line and the setting; nothing is created.
        try Data("hub:\n  port: 0\n  hello-timeout: soon\n".utf8).write(to: config)
        let db = folder.appendingPathComponent("c.sqlite").path
        let bad = try await SwarmdProcess.run(["serve", "--db", db, "--config", config.path])
        #expect(bad.status == 2)
        #expect(bad.err.contains("swarmd.yaml:3: hub.hello-timeout: must be a duration"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: db))
        // A bad flag beside a good file is a usage error naming the flag.
        try Data("hub:\n  port: 0\n".utf8).write(to: config)
        let flag = try await SwarmdProcess.run(["serve", "--db", db, "--config", config.path, "--hello-timeout", "0s"])
        #expect(flag.status == 64)
        #expect(flag.err.contains("--hello-timeout must be from 100ms to 1h, not '0s'"), "\(flag.err)")
        try Data("hub:\n  tls-cert: hub.pem\n".utf8).write(to: config)
        let pair = try await SwarmdProcess.run(["serve", "--db", db, "--config", config.path])
        #expect(pair.status == 64)
        #expect(pair.err.contains("--tls-cert needs --tls-key"), "\(pair.err)")
    }

    @Test("a second hub on the same database is refused")
    func oneHubPerDatabase() async throws {
        let path = try databasePath()
        let first = try await SwarmdProcess(serve: path)
        let second = try await SwarmdProcess.run(["serve", "--port", "0", "--db", path])
        #expect(second.status == 3)
        #expect(second.err.contains("another swarmd is serving"))
        await first.stop()
    }

    @Test("token create refuses a database that does not exist unless --init, and names the file it used")
    func tokenCommands() async throws {
        let path = try databasePath()
        // A file that is not there is another hub's log, or none: the token would be refused as
        // "unknown or revoked" by the hub the user meant. Nothing is created.
        for command in [
            ["token", "create", "--name", "bob", "--role", "expert"], ["token", "list"], ["token", "revoke", "bob"],
        ] {
            let refused = try await SwarmdProcess.run(command + ["--db", path])
            #expect(refused.status == 3, "\(command): \(refused.err)")
            #expect(refused.err.contains("error: there is no database \(path);"), "\(refused.err)")
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(refused.err.contains("give --init") == (command[1] == "create"), "\(refused.err)")
        }

        let created = try await SwarmdProcess.run([
            "token", "create", "--name", "bob", "--role", "expert", "--db", path, "--init",
        ])
        #expect(created.status == 0)
        let lines = created.out.split(separator: "\n")
        #expect(lines.last?.hasPrefix("swm_") == true)
        #expect(lines.count == 2)
        #expect(lines.first == "created token 1 for bob (expert) in \(path)")
        let list = try await SwarmdProcess.run(["token", "list", "--json", "--db", path])
        let tokens = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]]
        #expect(tokens?.count == 1)
        #expect(tokens?.first?["name"] as? String == "bob")
        #expect(tokens?.first?["role"] as? String == "expert")
        #expect(list.out.contains("swm_") == false, "secrets are never listed")
        let revoke = try await SwarmdProcess.run(["token", "revoke", "bob", "--db", path])
        #expect(revoke.status == 0)
        #expect(revoke.out == "revoked token 1 of bob (expert) in \(path)\n")
        let again = try await SwarmdProcess.run(["token", "revoke", "bob", "--db", path])
        #expect(again.status == 4)
        #expect(again.err.contains("no active token"))
        // The help says what revoking does to open connections: they are closed (4003), not left open.
        let help = try await SwarmdProcess.run(["token", "revoke", "--help"])
        #expect(help.out.contains("4003") && help.out.contains("--revocation-poll"), "\(help.out)")
        #expect(!help.out.contains("stay"), "\(help.out)")
    }

    @Test("swarmd's help texts are wrapped to the terminal, paragraph by paragraph")
    func helpIsWrapped() async throws {
        // Not a terminal: ArgumentParser wraps to COLUMNS, else 80.
        let width = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
        for command in [
            [], ["serve"], ["token", "create"], ["token", "list"], ["token", "revoke"], ["backup"], ["check"],
            ["simulate"], ["import", "servicenow"], ["migrate"],
        ] {
            let help = try await SwarmdProcess.run(command + ["--help"])
            #expect(help.status == 0)
            let problems = HelpLayout.problems(in: help.out, width: width)
            #expect(problems.isEmpty, "swarmd \(command.joined(separator: " ")) --help: \(problems)")
        }
    }

    @Test(
        "bad arguments exit with a usage error and a message, never a trace",
        arguments: [
            ["token", "create", "--name", "bad name", "--role", "agent"],
            ["token", "create", "--name", "eve", "--role", "boss"],
            ["serve", "--port", "70000"],
            ["serve", "--max-frame-size", "10"],
            ["serve", "--log-level", "loud"],
            ["frobnicate"],
        ])
    func badArguments(arguments: [String]) async throws {
        let result = try await SwarmdProcess.run(arguments + ["--db", try databasePath()])
        #expect(result.status == 64)
        #expect(result.err.contains("Error:") || result.err.contains("error:"))
        #expect(!result.err.contains("Fatal error"))
    }

    @Test func databaseThatCannotBeOpenedIsAnError() async throws {
        let directory = try temporaryDirectory()
        let blocker = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let inside = blocker.appendingPathComponent("swarm.sqlite").path
        let list = try await SwarmdProcess.run(["token", "list", "--db", inside])
        #expect(list.status == 3)
        #expect(list.err.contains("there is no database \(inside)"), "\(list.err)")
        let create = try await SwarmdProcess.run([
            "token", "create", "--name", "a", "--role", "agent", "--init", "--db", inside,
        ])
        #expect(create.status == 3)
        #expect(create.err.contains("cannot open the database"), "\(create.err)")
        let serve = try await SwarmdProcess.run(["serve", "--port", "0", "--db", inside])
        #expect(serve.status == 3)
        #expect(serve.err.contains("error: cannot"))
    }
}

@Suite("Process: a damaged log is never served as if whole", .serialized)
struct RollbackTests {
    @Test("a WAL damaged after kill -9 loses its last commits: check reports it, the hub starts a new epoch")
    func damagedWALStartsANewEpoch() async throws {
        let path = try temporaryDirectory().appendingPathComponent("data/swarm.sqlite").path
        let hub = try await SwarmdProcess(
            serve: path, extra: ["--command-rate", "100000", "--principal-rate", "1000000"])
        let admin = try #require(hub.adminToken)
        var lastSeq: Int64 = 0
        var epoch = ""
        try await withClient(hub.url) { writer in
            let welcome = try await writer.hello(admin)
            epoch = try #require(welcome.epoch)
            try await writer.command(openFrame("a log that will be damaged"))
            // Few enough commits that SQLite does not checkpoint: the WAL holds them, in order.
            for i in 0..<40 {
                let ack = try await writer.command(["type": "comment.add", "ticket": "T-1", "body": "comment \(i)"])
                lastSeq = try #require(ack.seq)
            }
        }
        await hub.stop(signal: SIGKILL)
        // One byte of the WAL's last frame flipped: SQLite drops that frame's commit when it opens.
        let wal = path + "-wal"
        let handle = try #require(FileHandle(forUpdatingAtPath: wal))
        let size = try handle.seekToEnd()
        #expect(size > 8192, "the WAL holds the commits")
        try handle.seek(toOffset: size - 2000)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: size - 2000)
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()

        let check = try await SwarmdProcess.run(["check", "--db", path])
        #expect(check.status == 1, "check: \(check.out) \(check.err)")
        #expect(check.err.contains("rollback:") && check.err.contains("\(lastSeq) was committed"), "\(check.err)")

        let restarted = try await SwarmdProcess(serve: path)
        // Logged before it listens; standard error is read on its own, so give it a moment.
        for _ in 0..<50 where !restarted.standardError.contains("the event log went back") {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(restarted.standardError.contains("the event log went back"), "\(restarted.standardError)")
        try await withClient(restarted.url) { client in
            let welcome = try await client.hello(admin)
            #expect(welcome.seq < lastSeq, "the damaged commits are gone")
            #expect(welcome.epoch != epoch, "a new epoch, so nobody resumes into reused seqs")
            let refused = try await client.failing([
                "type": "subscribe", "channels": ["ticket:T-1"], "since": lastSeq, "epoch": epoch,
            ])
            #expect(refused.code == .epochChanged)
        }
        await restarted.stop()
        // The mark follows the new epoch: the next start is quiet, and check is clean.
        let clean = try await SwarmdProcess.run(["check", "--db", path])
        #expect(clean.status == 0, "\(clean.err)")
    }
}
