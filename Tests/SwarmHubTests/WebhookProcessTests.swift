import Foundation
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(
    "Webhooks through a real swarmd killed with SIGKILL, to a real receiver", .serialized,
    .enabled(if: WebhookReceiver.isAvailable))
struct WebhookProcessTests {
    @Test("with the receiver down across a kill -9 of the hub, every delivery arrives exactly once when both are back")
    func receiverDownAndKillNine() async throws {
        let folder = try temporaryDirectory()
        var receiver = try await WebhookReceiver(port: try freeLoopbackPort(), folder: folder)
        let config = folder.appendingPathComponent("swarmd.yaml").path
        try """
        webhooks:
          - name: team
            url: \(receiver.url("team"))
            format: json
            secret_file: \(receiver.secretFile)
            events: [ticket.opened, comment.added, status.changed]
            internal_notes: true
          - name: chat
            url: \(receiver.url("chat"))
            format: slack
            secret_file: \(receiver.secretFile)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("swarm.sqlite").path
        let extra = ["--config", config, "--mail-domains", "customer.example"]
        var hub = try await SwarmdProcess(serve: path, extra: extra)
        let admin = try #require(hub.adminToken)
        var ticket = ""
        try await withClient(hub.url) { agent in
            try await agent.hello(admin)
            var frame = openFrame("Drucker druckt nicht")
            frame["requester"] = "rita@customer.example"
            frame["via"] = "phone"
            ticket = try #require(try await agent.command(frame).ticket)
        }
        // The news of the new ticket reaches both hooks while the receiver is up.
        try await receiver.waitForPosts(count: 2)

        // The receiver goes away; the swarm goes on; the hub tries, defers, and is killed.
        await receiver.stop()
        try await withClient(hub.url) { agent in
            try await agent.hello(admin)
            _ = try await agent.command([
                "type": "comment.add", "ticket": ticket, "body": "Bitte Papierfach 2 prüfen.", "visibility": "public",
            ])
            _ = try await agent.command(["type": "comment.add", "ticket": ticket, "body": "Intern: Toner bestellt."])
            _ = try await agent.command(["type": "ticket.status", "ticket": ticket, "status": "in_progress"])
        }
        try await Task.sleep(for: .seconds(2))  // the sender plans them, tries, and holds the hooks
        // One more, and the kill right after its ack: it may not even be planned yet.
        try await withClient(hub.url) { agent in
            try await agent.hello(admin)
            _ = try await agent.command([
                "type": "comment.add", "ticket": ticket, "body": "Papierfach 2 ist leer.", "visibility": "public",
            ])
        }
        _ = await hub.stop(signal: SIGKILL)
        #expect(receiver.posts().count == 2)

        // Both come back: each delivery arrives once, the internal note only where the hook takes them.
        // Taking it on made the admin an owner (owner.added, which the chat hook carries by default).
        receiver = try await receiver.restarted()
        hub = try await SwarmdProcess(serve: path, extra: extra)
        // The deferred tries wait for their backoff (10 s at first): the test looks for up to 60 s.
        try await receiver.waitForPosts(count: 10, timeout: .seconds(60))
        try await Task.sleep(for: .seconds(3))
        // Every raw POST the receiver ever logged, its refusals included: none twice.
        let posts = receiver.posts()
        #expect(posts.count == 10, "\(posts.map { "\($0.hook) \($0.event) \($0.status)" })")
        #expect(Set(posts.map(\.delivery)).count == posts.count, "no delivery arrived twice")
        #expect(posts.allSatisfy { $0.signed && $0.fresh && $0.status == 204 })
        let team = posts.filter { $0.hook == "team" }
        let chat = posts.filter { $0.hook == "chat" }
        // The first public reply moved the new ticket in progress (the status follows the work); setting
        // it in progress afterwards made the admin its owner without another status change.
        #expect(
            team.map(\.event) == ["ticket.opened", "comment.added", "status.changed", "comment.added", "comment.added"])
        #expect(
            chat.map(\.event) == ["ticket.opened", "comment.added", "status.changed", "owner.added", "comment.added"])
        #expect(team.contains { $0.body.contains("Toner bestellt") })
        #expect(!chat.contains { $0.body.contains("Toner bestellt") })
        #expect(chat.last?.body.contains("Papierfach 2 ist leer.") == true)
        _ = await hub.stop()
        await receiver.stop()
    }
}
