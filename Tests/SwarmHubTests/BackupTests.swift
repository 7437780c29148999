import Foundation
import SwarmProtocol
import SwarmTestSupport
import Synchronization
import Testing

/// `swarmd backup`, `swarmd check` and a restore (issue 16), on real processes and real SQLite files.
@Suite("Backup, check and restore: a real swarmd on real SQLite files", .serialized)
struct BackupTests {
    /// The acks the writers got, in the order they got them.
    final class Acks: Sendable {
        private let state = Mutex<(acks: [(ticket: String, seq: Int64)], stop: Bool)>(([], false))
        func add(ticket: String, seq: Int64) { state.withLock { $0.acks.append((ticket, seq)) } }
        var all: [(ticket: String, seq: Int64)] { state.withLock { $0.acks } }
        var count: Int { state.withLock { $0.acks.count } }
        func stop() { state.withLock { $0.stop = true } }
        var stopped: Bool { state.withLock { $0.stop } }
    }

    func mode(of path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// The database of a hub that opened `tickets` tickets, commented on the last one and stopped.
    func stoppedHub(tickets: Int) async throws -> (folder: URL, path: String) {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("data/swarm.sqlite").path
        let hub = try await SwarmdProcess(serve: path)
        let admin = try #require(hub.adminToken)
        try await withClient(hub.url) { client in
            try await client.hello(admin)
            for i in 0..<tickets { try await client.command(openFrame("ticket \(i)")) }
            try await client.command(["type": "comment.add", "ticket": "T-\(tickets)", "body": "a comment"])
        }
        await hub.stop()
        return (folder, path)
    }

    @Test("a backup taken while clients write checks out, and a hub restored from it has every event acked before it")
    func backupUnderLoadAndRestore() async throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("data/swarm.sqlite").path
        let backup = folder.appendingPathComponent("swarm-backup.sqlite").path
        let hub = try await SwarmdProcess(
            serve: path, extra: ["--command-rate", "100000", "--principal-rate", "1000000"])
        let admin = try #require(hub.adminToken)
        let acks = Acks()
        let (before, backupRun, during) = try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<2 {
                group.addTask {
                    try await withClient(hub.url) { client in
                        try await client.hello(admin)
                        var i = 0
                        while !acks.stopped {
                            let ack = try await client.command(openFrame("load \(writer)-\(i)"))
                            acks.add(ticket: try #require(ack.ticket), seq: try #require(ack.seq))
                            i += 1
                        }
                    }
                }
            }
            while acks.count < 100 { try await Task.sleep(for: .milliseconds(20)) }
            let before = acks.all
            let run = try await SwarmdProcess.run(["backup", "--db", path, backup], timeout: .seconds(120))
            let during = acks.count - before.count
            acks.stop()
            try await group.waitForAll()
            return (before, run, during)
        }
        #expect(backupRun.status == 0, "\(backupRun.err)")
        #expect(backupRun.out.contains("backed up \(path) to \(backup): last seq"), "\(backupRun.out)")
        #expect(during > 0, "the clients' writes went on while the backup ran")
        #expect(try mode(of: backup) & 0o077 == 0, "the backup is readable by its owner only")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.contains("partial")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let check = try await SwarmdProcess.run(["check", "--db", backup], timeout: .seconds(120))
        #expect(check.status == 0, "\(check.err)")
        #expect(check.out.contains("checks out"), "\(check.out)")
        let (epoch, lastSeen) = try await withClient(hub.url) { client in
            let welcome = try await client.hello(admin)
            return (try #require(welcome.epoch), welcome.seq)
        }
        #expect(epoch.utf8.count == 16 && epoch.allSatisfy(\.isHexDigit), "\(epoch)")
        await hub.stop()

        // The same file keeps its epoch across a restart.
        let again = try await SwarmdProcess(serve: path)
        let epochAgain = try await withClient(again.url) { client in try await client.hello(admin).epoch }
        #expect(epochAgain == epoch)
        await again.stop()

        // Restore: the backup becomes the database of a new hub.
        let restored = try temporaryDirectory().appendingPathComponent("data/swarm.sqlite")
        try FileManager.default.createDirectory(
            at: restored.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: backup, toPath: restored.path)
        let second = try await SwarmdProcess(serve: restored.path)
        #expect(second.adminToken == nil, "the tokens came with the backup")
        let lastAcked = try #require(before.map(\.seq).max())
        let opened: Set<String> = try await withClient(second.url) { client in
            let welcome = try await client.hello(admin)
            #expect(welcome.seq >= lastAcked, "restored log ends at \(welcome.seq), \(lastAcked) was acked before")
            // The copy is another log: a new epoch, and a resume in the old one is refused, not replayed
            // with seqs that now mean other events (issue 17, item 10).
            let restoredEpoch = try #require(welcome.epoch)
            #expect(restoredEpoch != epoch, "the backup has an epoch of its own")
            let stale = try await client.failing([
                "type": "subscribe", "channels": ["ticket:\(before[0].ticket)"], "since": lastSeen, "epoch": epoch,
            ])
            #expect(stale.code == .epochChanged)
            #expect(stale.message.contains(restoredEpoch), "\(stale.message)")
            let channels = before.map { "ticket:\($0.ticket)" }
            for start in stride(from: 0, to: channels.count, by: 100) {
                let part = Array(channels[start..<min(start + 100, channels.count)])
                let ack = try await client.command([
                    "type": "subscribe", "channels": part, "since": 0, "epoch": restoredEpoch,
                ])
                #expect(ack.epoch == restoredEpoch)
            }
            let events = try await client.drainEvents()
            return Set(events.filter { $0.event.type == .ticketOpened }.compactMap(\.event.ticket))
        }
        let missing = Set(before.map(\.ticket)).subtracting(opened)
        #expect(missing.isEmpty, "tickets acked before the backup but missing after the restore: \(missing.sorted())")
        await second.stop()
    }

    @Test("attachments survive backup and restore byte for byte, and check finds a blob damaged or gone")
    func attachmentsBackedUp() async throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("data/swarm.sqlite").path
        let backup = folder.appendingPathComponent("swarm-backup.sqlite").path
        let hub = try await SwarmdProcess(serve: path)
        let admin = try #require(hub.adminToken)
        let base = "http://127.0.0.1:\(hub.port ?? 0)"
        let ticket = try await withClient(hub.url) { client in
            try await client.hello(admin)
            return try #require(try await client.command(openFrame("Backup fails")).ticket)
        }
        // Three chunks and a bit (256 KiB each), so a chunk can go missing in the middle.
        let capture = (0..<800_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let log = Array("backup: error 28\n".utf8)
        for (name, bytes) in [("capture.pcap", capture), ("backup.log", log)] {
            let sent = try await AttachmentHubTests.upload(base: base, ticket, name: name, bytes, token: admin)
            #expect(sent.status == 201, "\(sent.json)")
        }
        await hub.stop()

        let run = try await SwarmdProcess.run(["backup", "--db", path, backup], timeout: .seconds(120))
        #expect(run.status == 0, "\(run.err)")
        let check = try await SwarmdProcess.run(["check", "--db", backup], timeout: .seconds(120))
        #expect(check.status == 0 && check.out.contains("checks out"), "\(check.out) \(check.err)")

        let restored = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        try FileManager.default.copyItem(atPath: backup, toPath: restored)
        let second = try await SwarmdProcess(serve: restored)
        let restoredBase = "http://127.0.0.1:\(second.port ?? 0)"
        let first = try await AttachmentHubTests.send(base: restoredBase, "GET", "/v1/attachments/A-1", token: admin)
        let other = try await AttachmentHubTests.send(base: restoredBase, "GET", "/v1/attachments/A-2", token: admin)
        #expect(first.status == 200 && first.body == capture, "the capture, byte for byte, from the restored file")
        #expect(other.status == 200 && other.body == log)
        await second.stop()

        // Damaged: a byte of a chunk changed, then a chunk gone; check names the blob each time.
        let sha = AttachmentHubTests.hex(capture)
        for damage in [
            "UPDATE blob_data SET data = zeroblob(length(data)) WHERE n = 1"
                + " AND owner = (SELECT owner FROM blob WHERE sha256 = '\(sha)');",
            "DELETE FROM blob_data WHERE n = 2 AND owner = (SELECT owner FROM blob WHERE sha256 = '\(sha)');",
        ] {
            let sqlite = try await SwarmdProcess.runTool("/usr/bin/sqlite3", [restored, damage])
            try #require(sqlite == 0, "sqlite3 is needed (scripts/bootstrap-test installs it)")
            let found = try await SwarmdProcess.run(["check", "--db", restored], timeout: .seconds(120))
            #expect(found.status != 0, "\(found.out)")
            #expect(found.out.contains("blob \(sha)") || found.err.contains("blob \(sha)"), "\(found.out) \(found.err)")
        }
        let gone = try await SwarmdProcess.run(["check", "--db", restored], timeout: .seconds(120))
        #expect((gone.out + gone.err).contains("lacks chunk"), "\(gone.out) \(gone.err)")
    }

    @Test("backup refuses to overwrite without --force, refuses PostgreSQL, and keeps no copy that does not check out")
    func backupRefusals() async throws {
        let (folder, path) = try await stoppedHub(tickets: 1)
        let backup = folder.appendingPathComponent("copy.sqlite").path
        #expect(try await SwarmdProcess.run(["backup", "--db", path, backup]).status == 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: backup))

        let again = try await SwarmdProcess.run(["backup", "--db", path, backup])
        #expect(again.status == 64)
        #expect(again.err.contains("\(backup) exists; give --force to replace it"), "\(again.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup)) == first)
        let forced = try await SwarmdProcess.run(["backup", "--db", path, backup, "--force"])
        #expect(forced.status == 0, "\(forced.err)")

        let postgres = try await SwarmdProcess.run(["backup", "--postgres", "postgres://swarm@db:5432/swarm", backup])
        #expect(postgres.status == 64)
        #expect(postgres.err.contains("pg_dump"), "\(postgres.err)")
        let missing = try await SwarmdProcess.run(["backup", "--db", folder.path + "/none.sqlite", backup, "--force"])
        #expect(missing.status == 64)
        #expect(missing.err.contains("none.sqlite: no such file"), "\(missing.err)")

        // A database whose projection disagrees with its log: the copy is checked, refused, not kept.
        let edit = "UPDATE ticket SET body = json_set(body, '$.title', 'edited') WHERE id = 'T-1';"
        #expect(try await SwarmdProcess.runTool("/usr/bin/sqlite3", [path, edit]) == 0)
        let refused = folder.appendingPathComponent("refused.sqlite").path
        let damaged = try await SwarmdProcess.run(["backup", "--db", path, refused])
        #expect(damaged.status == 5)
        #expect(damaged.err.contains("problem: projection: ticket T-1: the projection's title"), "\(damaged.err)")
        #expect(!FileManager.default.fileExists(atPath: refused))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.contains("partial")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("check finds a gap, a corrupt page, a projection and a channel index that disagree with the log")
    func checkFindsDamage() async throws {
        let (folder, path) = try await stoppedHub(tickets: 3)
        let sound = try await SwarmdProcess.run(["check", "--db", path])
        #expect(sound.status == 0, "\(sound.err)")
        #expect(sound.out.contains("checks out: "), "\(sound.out)")
        #expect(sound.out.contains("3 tickets"), "\(sound.out)")

        /// A backup of the database damaged by `sqlite3 COPY SQL` (or a shell script given the copy's path).
        func damaged(_ name: String, sql: String? = nil, shell: String? = nil) async throws -> (
            status: Int32, err: String
        ) {
            let copy = folder.appendingPathComponent("\(name).sqlite").path
            #expect(try await SwarmdProcess.run(["backup", "--db", path, copy]).status == 0)
            if let sql {
                #expect(try await SwarmdProcess.runTool("/usr/bin/sqlite3", [copy, sql]) == 0, "sqlite3 is needed")
            }
            if let shell { #expect(try await SwarmdProcess.runTool("/bin/sh", ["-c", shell, "sh", copy]) == 0) }
            let result = try await SwarmdProcess.run(["check", "--db", copy], timeout: .seconds(60))
            return (result.status, result.err)
        }

        let gap = try await damaged("gap", sql: "DELETE FROM event WHERE seq = 2;")
        #expect(gap.status == 1)
        #expect(gap.err.contains("problem: gap: the event log has a gap in seq: 3 follows 1"), "\(gap.err)")

        let projection = try await damaged(
            "projection",
            sql: "UPDATE ticket SET status = 'closed', body = json_set(body, '$.status', 'closed') "
                + "WHERE id = 'T-3';")
        #expect(projection.status == 1)
        #expect(
            projection.err.contains("problem: projection: ticket T-3: the projection's status differs from the log's"),
            "\(projection.err)")

        let lost = try await damaged("lost", sql: "DELETE FROM ticket WHERE id = 'T-1';")
        #expect(lost.status == 1)
        #expect(lost.err.contains("ticket T-1 is in the log but not in the ticket projection"), "\(lost.err)")

        let index = try await damaged(
            "index",
            sql: "DELETE FROM event_channel WHERE channel = 'ticket:T-3' AND seq = (SELECT MAX(seq) FROM event);")
        #expect(index.status == 1)
        #expect(
            index.err.contains("problem: channel_index: channel ticket:T-3: the index lacks seq"), "\(index.err)")

        // Garbage over the event table's root page; page 1 (the schema) stays, so the file opens.
        let page = try await damaged(
            "page",
            shell: """
                root=$(sqlite3 "$1" "SELECT rootpage FROM sqlite_master WHERE name = 'event'") &&
                size=$(sqlite3 "$1" "PRAGMA page_size") &&
                head -c "$size" /dev/zero | tr '\\0' '\\245' |
                    dd of="$1" bs="$size" seek=$((root - 1)) count=1 conv=notrunc status=none
                """)
        #expect(page.status == 1, "\(page.err)")
        #expect(page.err.contains("problem: integrity: "), "\(page.err)")

        let notDatabase = folder.appendingPathComponent("notes.txt").path
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: notDatabase))
        let refused = try await SwarmdProcess.run(["check", "--db", notDatabase])
        #expect(refused.status == 3)
        #expect(refused.err.contains("error: cannot open the database \(notDatabase)"), "\(refused.err)")
    }
}
