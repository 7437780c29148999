import Foundation
import SwarmConfiguration
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmHub

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
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

/// A free TCP port on loopback, for a process that must know its port before it starts.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw TestFailure("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestFailure("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite(
    "Mail in and out through Postfix, swarm-mailgate and a real swarmd", .serialized,
    .enabled(if: MailHarness.isAvailable))
struct MailRoundTripTests {
    /// A new database with a mailgate token (written to a file for swarm-mailgate) and a staff token:
    /// its path, the token file and the staff token.
    static func database(staff name: String, role: String) async throws -> (String, String, String) {
        let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
        let created = try await SwarmdProcess.run([
            "token", "create", "--name", "postfix", "--role", "mailgate", "--db", path, "--init",
        ])
        let token = try #require(created.out.split(separator: "\n").last.map(String.init))
        let staff = try await SwarmdProcess.run(["token", "create", "--name", name, "--role", role, "--db", path])
        let staffToken = try #require(staff.out.split(separator: "\n").last.map(String.init))
        let tokenFile = try temporaryDirectory().appendingPathComponent("mailgate.token").path
        try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        return (path, tokenFile, staffToken)
    }

    @Test(
        "a requester who only writes mail opens a ticket, gets its number, and answers in her mail program; mail fetched from IMAP and bounces too"
    )
    func roundTrip() async throws {
        let (path, tokenFile, admin) = try await Self.database(staff: "lena", role: "lead")
        let port = try freeLoopbackPort()
        try await MailHarness.with(hubURL: "http://127.0.0.1:\(port)", tokenFile: tokenFile) { mail in
            let hub = try await SwarmdProcess(
                serve: path,
                extra: [
                    "--port", "\(port)", "--smtp", mail.smtpURL, "--mail-from", "IT-Hilfe <it@it.example>",
                    "--mail-domains", "customer.example", "--mail-language", "de",
                ])
            let relay = SMTPRelay(url: try RelayURL(parsing: mail.smtpURL))
            func send(_ lines: [String]) async throws {
                let text = lines.joined(separator: "\r\n") + "\r\n"
                try await relay.send(Array(text.utf8), from: "rita@customer.example", to: ["help@it.example"])
            }
            try await send([
                "From: Rita Reuter <rita@customer.example>", "To: help@it.example",
                "Subject: =?UTF-8?Q?Drucker_im_B=C3=BCro_druckt_nicht?=", "Message-ID: <r1@mail.customer.example>",
                "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
                "Der Drucker im Büro druckt seit heute früh nicht.",
            ])
            // Postfix pipes it to swarm-mailgate, the hub opens T-1 for her and mails her its number.
            let confirmation = try #require(try await mail.waitForDelivery(count: 1, timeout: .seconds(30)).first)
            #expect(confirmation.contains("To: rita@customer.example"))
            #expect(confirmation.contains("Subject: =?") || confirmation.contains("[T-1]"))
            let ticket = try await fetchText("http://127.0.0.1:\(port)/v1/tickets/T-1", token: admin)
            #expect(ticket.status == 200 && ticket.body.contains(#""via":"email""#))
            #expect(ticket.body.contains("Drucker im Büro druckt nicht"))
            // She answers the confirmation in her mail program: the reply joins T-1, without the quote.
            try await send([
                "From: rita@customer.example", "To: help@it.example", "Subject: Re: Ihre Anfrage",
                "Message-ID: <r2@mail.customer.example>", "In-Reply-To: <T-1.1@it.example>",
                "References: <T-1@it.example> <T-1.1@it.example>", "Content-Type: text/plain; charset=utf-8", "",
                "Es ist der Drucker im 2. Stock.", "", "Am 07.12.2026 schrieb IT-Hilfe:", "> Guten Tag,",
            ])
            var detail = ""
            for _ in 0..<100 {
                detail = try await fetchText("http://127.0.0.1:\(port)/v1/tickets/T-1", token: admin).body
                if detail.contains("2. Stock") { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(detail.contains("Es ist der Drucker im 2. Stock."))
            #expect(!detail.contains("> Guten Tag"))
            // Her out-of-office answering the hub's mail opens nothing and is not answered.
            try await send([
                "From: rita@customer.example", "To: help@it.example", "Subject: Abwesend: [T-1]",
                "Message-ID: <r3@mail.customer.example>", "Auto-Submitted: auto-replied", "", "Ich bin nicht im Haus.",
            ])
            try await Task.sleep(for: .seconds(3))
            let list = try await fetchText("http://127.0.0.1:\(port)/v1/tickets", token: admin).body
            #expect(list.contains(#""total":1"#), "\(list)")
            #expect(mail.delivered().count == 1, "her own reply and her out-of-office are not answered")

            // The fetchmail path: Sam's mail sits in the help desk's hosted IMAP mailbox; fetchmail hands
            // it to swarm-mailgate, which posts it: T-2 is his, and the mailbox is emptied.
            let file = try temporaryDirectory().appendingPathComponent("sam.eml").path
            try [
                "From: Sam Stein <sam@customer.example>", "To: help@it.example", "Subject: VPN bricht ab",
                "Message-ID: <s1@mail.customer.example>", "Content-Type: text/plain; charset=iso-8859-1",
                "Content-Transfer-Encoding: quoted-printable", "", "Die VPN-Verbindung bricht st=E4ndig ab.", "",
            ].joined(separator: "\r\n").write(toFile: file, atomically: true, encoding: .utf8)
            try await mail.control("append", file)
            try await mail.control("fetch")
            let sam = try await fetchText("http://127.0.0.1:\(port)/v1/tickets/T-2", token: admin).body
            #expect(sam.contains(#""requester":"sam@customer.example""#) && sam.contains("bricht ständig ab"), "\(sam)")
            _ = try await mail.waitForDelivery(count: 2, timeout: .seconds(30))

            // Mail to an address that no longer exists: Postfix bounces the hub's confirmation back to
            // it@it.example, that is to the hub, which marks the address on the ticket for the agents.
            try await relay.send(
                Array(
                    ([
                        "From: gone@customer.example", "To: help@it.example", "Subject: Monitor flackert",
                        "Message-ID: <g1@mail.customer.example>", "", "Der Monitor flackert.", "",
                    ].joined(separator: "\r\n")).utf8), from: "gone@customer.example", to: ["help@it.example"])
            var events = ""
            for _ in 0..<150 {
                events = try await fetchText("http://127.0.0.1:\(port)/v1/tickets/T-3/events", token: admin).body
                if events.contains("mail.bounced") { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(events.contains(#""type":"mail.bounced""#), "\(events)")
            #expect(events.contains(#""address":"gone@customer.example""#) && events.contains(#""status":"5."#))
            let tickets = try await fetchText("http://127.0.0.1:\(port)/v1/tickets", token: admin).body
            #expect(tickets.contains(#""total":3"#), "the bounce opened nothing: \(tickets)")
            _ = await hub.stop()
        }
    }

    @Test(
        "her mail's PDF reaches the ticket through Postfix and swarm-mailgate, her signature's logo does not; staff's file reaches her by name"
    )
    func files() async throws {
        let (path, tokenFile, alice) = try await Self.database(staff: "alice", role: "agent")
        let port = try freeLoopbackPort()
        let base = "http://127.0.0.1:\(port)"
        try await MailHarness.with(hubURL: base, tokenFile: tokenFile) { mail in
            let hub = try await SwarmdProcess(
                serve: path,
                extra: [
                    "--port", "\(port)", "--smtp", mail.smtpURL, "--mail-from", "IT-Hilfe <it@it.example>",
                    "--mail-domains", "customer.example", "--mail-language", "de",
                ])
            let pdf = MailFilesHubTests.pdf + [UInt8](repeating: 0x0A, count: 300_000)
            func base64(_ bytes: [UInt8]) -> [String] {
                MailFilesHubTests.base64(bytes).split(separator: "\n").map(String.init)
            }
            let message =
                [
                    "From: Rita Reuter <rita@customer.example>", "To: help@it.example",
                    "Subject: Rechnung druckt nicht", "Message-ID: <f1@mail.customer.example>", "MIME-Version: 1.0",
                    #"Content-Type: multipart/mixed; boundary="m""#, "", "--m",
                    #"Content-Type: multipart/related; boundary="r""#, "", "--r",
                    "Content-Type: text/html; charset=utf-8", "",
                    #"<p>Die Rechnung im Anhang druckt nicht.</p><p>Rita<br><img src="cid:logo@r"></p>"#, "--r",
                    "Content-Type: image/png", "Content-ID: <logo@r>", "Content-Transfer-Encoding: base64", "",
                ] + base64(MailFilesHubTests.logo) + [
                    "--r--", "--m", "Content-Type: application/pdf",
                    "Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf",
                    "Content-Transfer-Encoding: base64", "",
                ] + base64(pdf) + ["--m--", ""]
            let relay = SMTPRelay(url: try RelayURL(parsing: mail.smtpURL))
            try await relay.send(
                Array(message.joined(separator: "\r\n").utf8), from: "rita@customer.example", to: ["help@it.example"])
            // Postfix pipes it to swarm-mailgate; the hub opens T-1 and mails her its number.
            _ = try await mail.waitForDelivery(count: 1, timeout: .seconds(30))
            var detail = ""
            for _ in 0..<100 {
                detail = try await fetchText("\(base)/v1/tickets/T-1", token: alice).body
                if detail.contains("A-1") { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(detail.contains(#""name":"Rechnung März.pdf""#) && detail.contains(#""visibility":"public""#))
            #expect(!detail.contains("A-2") && !detail.contains(".png"), "the signature's logo is not kept: \(detail)")
            var get = URLRequest(url: URL(string: "\(base)/v1/attachments/A-1")!)
            get.setValue("Bearer \(alice)", forHTTPHeaderField: "Authorization")
            let (bytes, answer) = try await URLSession.shared.data(for: get)
            #expect((answer as? HTTPURLResponse)?.statusCode == 200)
            #expect(MailFilesHubTests.sha256([UInt8](bytes)) == MailFilesHubTests.sha256(pdf), "the bytes she sent")

            // Staff answer with a file: her mail names it, and carries it not.
            var request = URLRequest(
                url: URL(string: "\(base)/v1/tickets/T-1/attachments?name=Treiber.pdf&visibility=public")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(alice)", forHTTPHeaderField: "Authorization")
            request.httpBody = Data(pdf)
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 201)
            let delivered = try await mail.waitForDelivery(count: 2, timeout: .seconds(30))
            let named = try #require(delivered.first { MailOutTests.decodedText($0).contains("Treiber.pdf") })
            let size = MailTexts.size(Int64(pdf.count), language: .de)
            #expect(
                MailOutTests.decodedText(named).contains("Treiber.pdf (\(size))"), "\(MailOutTests.decodedText(named))")
            #expect(named.count < 20_000, "no bytes of the file: \(named.count) bytes")
            _ = await hub.stop()
        }
    }
}
