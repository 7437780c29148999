import Foundation
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Mail out through a real swarmd and a real Postfix", .serialized, .enabled(if: MailHarness.isAvailable))
struct MailOutProcessTests {
    @Test("a reply while the relay is down and the hub is killed with SIGKILL arrives exactly once when both are back")
    func relayDownAndKillNine() async throws {
        try await MailHarness.with { mail in
            let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
            let extra = [
                "--smtp", mail.smtpURL, "--mail-from", "IT-Hilfe <it@it.example>", "--mail-language", "en",
                "--mail-domains", "customer.example",
            ]
            var hub = try await SwarmdProcess(serve: path, extra: extra)
            let admin = try #require(hub.adminToken)
            var ticket = ""
            try await withClient(hub.url) { agent in
                try await agent.hello(admin)
                // A phone call: the desk opens the ticket for the caller's address.
                var frame = openFrame("Drucker druckt nicht")
                frame["requester"] = "rita@customer.example"
                frame["via"] = "phone"
                ticket = try #require(try await agent.command(frame).ticket)
            }
            // The confirmation arrives while the relay is up.
            let first = try await mail.waitForDelivery(count: 1)
            #expect(first[0].contains("[\(ticket)]") && first[0].contains("To: rita@customer.example"))

            // The relay goes away; the agent answers; the hub cannot hand the reply on and is killed.
            try await mail.control("stop")
            try await withClient(hub.url) { agent in
                try await agent.hello(admin)
                _ = try await agent.command([
                    "type": "comment.add", "ticket": ticket, "body": "Bitte Papierfach 2 prüfen.",
                    "visibility": "public",
                ])
                _ = try await agent.command([
                    "type": "comment.add", "ticket": ticket, "body": "Interne Notiz: Toner bestellt.",
                ])
            }
            try await Task.sleep(for: .seconds(2))  // the mailer tries and defers
            _ = await hub.stop(signal: SIGKILL)
            #expect(mail.delivered().count == 1)

            // Both come back: the reply is sent once, the internal note never.
            try await mail.control("start")
            hub = try await SwarmdProcess(serve: path, extra: extra)
            // The deferred try waits for its backoff (30 s at first): the test looks for up to 60 s.
            let delivered = try await mail.waitForDelivery(count: 2, timeout: .seconds(60))
            #expect(delivered.count == 2)
            #expect(delivered.filter { $0.contains("Papierfach 2") }.count == 1)
            #expect(!delivered.contains { $0.contains("Interne Notiz") })
            try await Task.sleep(for: .seconds(3))
            #expect(mail.delivered().count == 2, "nothing is sent twice after the restart")
            _ = await hub.stop()
        }
    }
}
