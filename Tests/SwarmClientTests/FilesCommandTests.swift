import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmHub
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@testable import SwarmClient

/// `swarm attach`, `swarm download` and the files of `swarm show`, the built binary against a real hub.
@Suite("swarm attach and download")
struct FilesCommandTests {
    @Test("a log attached from the terminal is listed, downloaded whole; the requester never gets an internal one")
    func attachAndDownload() async throws {
        try await withHub { hub in
            let folder = try temporaryDirectory()
            let agent = try SwarmCLI()
            let requester = try SwarmCLI()
            let alice = try await hub.token("alice", .agent)
            let rita = try await hub.token("rita", .requester)
            #expect(try await agent.run(["login", "--server", hub.httpBase, "--token", alice]).status == 0)
            #expect(try await requester.run(["login", "--server", hub.httpBase, "--token", rita]).status == 0)
            let opened = try await requester.json(["open", "--title", "Backup fails", "--category", "software"])
            let ticket = try #require(opened["ticket"] as? String, "\(opened)")

            // 700 KB of log lines: three of the store's chunks, several of the client's pieces.
            let log = (1...10_000).map { "2026-12-07 02:00:\($0 % 60) backup: run \($0) failed (error 28)\n" }.joined()
            let logFile = folder.appendingPathComponent("backup.log")
            try log.write(to: logFile, atomically: true, encoding: .utf8)
            let attached = try await agent.run(["attach", ticket, logFile.path])
            #expect(attached.status == 0, "\(attached.err)")
            #expect(attached.out.hasPrefix("attached backup.log to \(ticket) as A-1 (text/plain, "), "\(attached.out)")
            #expect(attached.out.contains(", internal)"))
            let shot = folder.appendingPathComponent("Bildschirmfoto 12:07.txt")
            try "ein öffentlicher Hinweis".write(to: shot, atomically: true, encoding: .utf8)
            let published = try await agent.json([
                "attach", ticket, shot.path, "--public", "--name", "Hinweis für Rita.txt",
            ])
            let file = try #require(published["attachment"] as? [String: Any])
            #expect(file["id"] as? String == "A-2" && file["visibility"] as? String == "public")
            #expect(file["name"] as? String == "Hinweis für Rita.txt")

            let shown = try await agent.run(["show", ticket])
            #expect(shown.out.contains("files"), "\(shown.out)")
            #expect(shown.out.contains("A-1  backup.log  text/plain, "), "\(shown.out)")
            #expect(shown.out.contains("A-2  Hinweis für Rita.txt"))
            let hers = try await requester.run(["show", ticket])
            #expect(hers.out.contains("A-2") && !hers.out.contains("A-1") && !hers.out.contains("backup.log"))

            let target = folder.appendingPathComponent("copy.log")
            let downloaded = try await agent.run(["download", "A-1", "-o", target.path])
            #expect(downloaded.status == 0, "\(downloaded.err)")
            #expect(try String(contentsOf: target, encoding: .utf8) == log)
            let again = try await agent.run(["download", "1", "-o", target.path])
            #expect(again.status == ExitStatus.usage.rawValue && again.err.contains("exists; --force"), "\(again.err)")
            #expect(try await agent.run(["download", "A-1", "-o", target.path, "--force"]).status == 0)
            let piped = try await requester.run(["download", "A-2", "-o", "-"])
            #expect(piped.out == "ein öffentlicher Hinweis")

            let refused = try await requester.run(["download", "A-1", "-o", folder.appendingPathComponent("x").path])
            #expect(refused.status != 0 && refused.err.contains("no attachment A-1"), "\(refused.err)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
                $0.hasPrefix(".swarm-download-")
            }
            #expect(leftovers.isEmpty, "a refused download leaves no partial file")

            let internalByHer = try await requester.run(["attach", ticket, logFile.path])
            #expect(internalByHer.status == 0 && internalByHer.out.contains(", public)"), "a requester's are public")
            let missing = try await agent.run(["attach", ticket, folder.appendingPathComponent("nope").path])
            #expect(missing.status == ExitStatus.usage.rawValue && missing.err.contains("no file"))
        }
    }

    @Test("attach asks the hub's limits first and refuses a file over them with the number, before sending it")
    func limitFirst() async throws {
        try await withHub(configure: { $0.swarm.attachmentMaxFile = 1000 }) { hub in
            let folder = try temporaryDirectory()
            let agent = try SwarmCLI()
            let alice = try await hub.token("alice", .agent)
            #expect(try await agent.run(["login", "--server", hub.httpBase, "--token", alice]).status == 0)
            let opened = try await agent.json(["open", "--title", "Big log", "--category", "software"])
            let ticket = try #require(opened["ticket"] as? String)
            let big = folder.appendingPathComponent("big.log")
            try String(repeating: "x", count: 1001).write(to: big, atomically: true, encoding: .utf8)
            let refused = try await agent.run(["attach", ticket, big.path])
            #expect(refused.status == ExitStatus.invalid.rawValue, "too_large, as the hub would say")
            #expect(
                refused.err.contains("has 1001 bytes, 1 over the hub's limit of 1000 bytes per file"), "\(refused.err)")
            #expect(try await hub.store.allBlobs().isEmpty, "nothing was sent")
            let exact = folder.appendingPathComponent("exact.log")
            try String(repeating: "x", count: 1000).write(to: exact, atomically: true, encoding: .utf8)
            #expect(try await agent.run(["attach", ticket, exact.path]).status == 0)
        }
    }

    @Test("the name a Content-Disposition offers: filename* first, no folders, no control characters")
    func dispositionNames() {
        #expect(
            FileHTTP.fileName(fromDisposition: #"attachment; filename="a.txt"; filename*=UTF-8''%C3%BCber.txt"#)
                == "über.txt")
        #expect(FileHTTP.fileName(fromDisposition: #"inline; filename="shot.png""#) == "shot.png")
        #expect(FileHTTP.fileName(fromDisposition: #"attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd"#) == "passwd")
        #expect(FileHTTP.fileName(fromDisposition: "attachment; filename*=UTF-8''a%00b%E2%80%AE.txt") == "ab.txt")
        #expect(FileHTTP.fileName(fromDisposition: "attachment") == nil)
        #expect(FileHTTP.fileName(fromDisposition: #"attachment; filename="..""#) == nil)
    }
}
