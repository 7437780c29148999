import Foundation
import SwarmCore
import SwarmProtocol
import SwarmTestSupport
import Testing

/// The `swarm` client and internal notes: agents comment internally by default and reply with
/// `--public` (on the command line and in the console); a requester's `swarm show` never has an
/// internal note, in text or JSON.
@Suite("swarm comment --public and what a requester's client shows")
struct InternalNotesCommandTests {
    func user(_ name: String, _ role: Role, on hub: TestHub) async throws -> SwarmCLI {
        let token = try await hub.token(name, role)
        let cli = try SwarmCLI()
        _ = try await cli.json(["login", "--server", hub.httpBase, "--token", token])
        return cli
    }

    @Test("internal by default, --public replies; the requester's show has the replies only")
    func publicReplies() async throws {
        try await withHub { hub in
            let rita = try await user("rita", .requester, on: hub)
            let alice = try await user("alice", .agent, on: hub)
            _ = try await rita.json(["open", "--title", "VPN drops every hour", "--category", "network"])
            let note = try await alice.run(["comment", "T-1", "SECRET-NOTE: she keeps breaking it"])
            #expect(note.status == 0, "\(note.err)")
            #expect(note.out.contains("alice commented on T-1"))
            let reply = try await alice.run(["comment", "--public", "T-1", "We are on it."])
            #expect(reply.status == 0, "\(reply.err)")
            #expect(reply.out.contains("alice replied publicly on T-1"))
            let console = try await alice.run(
                ["console"],
                input: "comment --public T-1 \"Please restart the client.\"\ncomment T-1 SECRET-NOTE two\nexit\n")
            #expect(console.status == 0, "\(console.err)")
            _ = try await rita.json(["comment", "T-1", "Thanks!"])

            let staff = try await alice.run(["show", "T-1"])
            #expect(staff.out.contains("#1 alice") && staff.out.contains("internal note"))
            #expect(staff.out.contains("public reply"))
            #expect(staff.out.contains("SECRET-NOTE"))

            let text = try await rita.run(["show", "T-1"])
            #expect(text.status == 0, "\(text.err)")
            #expect(!text.out.contains("SECRET-NOTE"), "\(text.out)")
            #expect(text.out.contains("We are on it.") && text.out.contains("Please restart the client."))
            let shown = try await rita.json(["show", "T-1"])
            let raw = String(decoding: try JSONSerialization.data(withJSONObject: shown), as: UTF8.self)
            #expect(!raw.contains("SECRET-NOTE"))
            let comments = try #require((shown["ticket"] as? [String: Any])?["comments"] as? [[String: Any]])
            #expect(
                comments.map { $0["body"] as? String } == ["We are on it.", "Please restart the client.", "Thanks!"])
            #expect(comments.map { $0["number"] as? Int } == [1, 2, 3])
        }
    }
}
