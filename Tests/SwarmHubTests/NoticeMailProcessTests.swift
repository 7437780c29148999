import Foundation
import SwarmProtocol
import SwarmTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Notices by mail (`notify.set`) through a real swarmd and a real Postfix: what reaches the agent, in
/// the language chosen, and each once across a relay that is down and a `kill -9`.
@Suite("Notices by mail through a real swarmd and a real Postfix", .serialized, .enabled(if: MailHarness.isAvailable))
struct NoticeMailProcessTests {
    func createToken(_ name: String, _ role: String, db: String, initialize: Bool = false) async throws -> String {
        let created = try await SwarmdProcess.run(
            ["token", "create", "--name", name, "--role", role, "--db", db] + (initialize ? ["--init"] : []))
        return try #require(created.out.split(separator: "\n").last.map(String.init), "\(created.err)")
    }

    @Test("an invitation, an assignment and the requester's answer reach the agent by mail, once each across kill -9")
    func noticesByMail() async throws {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let admin = try await createToken("lena", "admin", db: path, initialize: true)
        let nick = try await createToken("nick", "expert", db: path)
        let rita = try await createToken("rita", "requester", db: path)
        try await MailHarness.with { mail in
            let extra = ["--smtp", mail.smtpURL, "--mail-from", "IT-Hilfe <it@it.example>", "--mail-language", "de"]
            var hub = try await SwarmdProcess(serve: path, extra: extra)
            try await withClient(hub.url) { client in
                try await client.hello(nick)
                // English mails for invitations, assignments and answers; not SLA alarms.
                let set = try await client.command([
                    "type": "notify.set", "kinds": ["answer", "invite", "assign"], "mail": "Nick@Staff.Example",
                    "language": "en",
                ])
                #expect(set.seq != nil, "a change is an event")
                let again = try await client.command([
                    "type": "notify.set", "kinds": ["invite", "assign", "answer"], "mail": "Nick@staff.example",
                    "language": "en",
                ])
                #expect(again.seq == nil, "the same choice again is no event (the domain is compared in lower case)")
            }
            var ticket = ""
            try await withClient(hub.url) { client in
                try await client.hello(rita)
                ticket = try #require(try await client.command(openFrame("VPN drops every hour")).ticket)
            }
            try await withClient(hub.url) { client in
                try await client.hello(admin)
                _ = try await client.command(["type": "ticket.invite", "ticket": ticket, "agent": "nick"])
            }
            let invitation = try #require(try await mail.waitForDelivery(count: 1, timeout: .seconds(30)).first)
            #expect(invitation.contains("To: Nick@staff.example"), "\(invitation)")
            #expect(invitation.contains("[\(ticket)] Invitation: VPN drops every hour"), "\(invitation)")
            #expect(invitation.contains("lena invites you to the swarm of \(ticket)"), "\(invitation)")
            #expect(invitation.contains("swarm invites accept \(ticket)"), "\(invitation)")
            let header = invitation.lowercased()
            #expect(
                header.contains("message-id: <\(ticket.lowercased()).") && header.contains(".nick@it.example>"),
                "\(invitation)")

            // Nick accepts (his own doing: no mail), and is made an owner (a notice).
            try await withClient(hub.url) { client in
                try await client.hello(nick)
                _ = try await client.command(["type": "invite.answer", "ticket": ticket, "accept": true])
            }
            try await withClient(hub.url) { client in
                try await client.hello(admin)
                _ = try await client.command(["type": "owner.add", "ticket": ticket, "agent": "nick"])
            }
            let two = try await mail.waitForDelivery(count: 2, timeout: .seconds(30))
            #expect(two[1].contains("Assigned to you") && two[1].contains("lena made you an owner of \(ticket)."))

            // The relay goes away; the requester answers, the swarm writes an internal note; the hub is
            // killed before it could hand the notice on.
            try await mail.control("stop")
            try await withClient(hub.url) { client in
                try await client.hello(rita)
                _ = try await client.command([
                    "type": "comment.add", "ticket": ticket, "body": "It is the VPN on the second floor.",
                ])
            }
            try await withClient(hub.url) { client in
                try await client.hello(admin)
                _ = try await client.command(["type": "comment.add", "ticket": ticket, "body": "Internal: gateway?"])
            }
            try await Task.sleep(for: .seconds(2))  // the mailer tries and defers
            _ = await hub.stop(signal: SIGKILL)
            #expect(mail.delivered().count == 2)

            try await mail.control("start")
            hub = try await SwarmdProcess(serve: path, extra: extra)
            let three = try await mail.waitForDelivery(count: 3, timeout: .seconds(60))
            let answer = three[2]
            #expect(answer.contains("[\(ticket)] Answer: VPN drops every hour"), "\(answer)")
            #expect(answer.contains("> It is the VPN on the second floor."), "\(answer)")
            try await Task.sleep(for: .seconds(3))
            let all = mail.delivered()
            #expect(all.count == 3, "nothing is sent twice after the restart, the internal note never")
            #expect(!all.contains { $0.contains("Internal: gateway") })

            // Mail off: the next answer mails no one.
            try await withClient(hub.url) { client in
                try await client.hello(nick)
                _ = try await client.command(["type": "notify.set", "kinds": [String]()])
            }
            try await withClient(hub.url) { client in
                try await client.hello(rita)
                _ = try await client.command(["type": "comment.add", "ticket": ticket, "body": "Any news?"])
            }
            try await Task.sleep(for: .seconds(3))
            #expect(mail.delivered().count == 3)
            _ = await hub.stop()
        }
    }
}
