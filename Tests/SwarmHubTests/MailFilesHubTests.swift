import Crypto
import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmFiles
import SwarmProtocol
import SwarmTestSupport
import Testing

@testable import SwarmHub

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A mail's files through `POST /v1/mail` on a real hub: stored, sniffed, attached, read back, and every
/// refusal said — in the answer, and to staff on the ticket.
@Suite("Mail in: the files of a message")
struct MailFilesHubTests {
    /// A PNG of `size` bytes: a real 1×1 image padded after its end.
    static func png(size: Int, seed: UInt8) -> [UInt8] {
        let pixel = AttachmentHubTests.png
        return pixel + (0..<(size - pixel.count)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    static let logo = png(size: 2048, seed: 1)
    static let screenshot = png(size: 200 * 1024, seed: 7)
    static let pdf =
        Array("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".utf8)
        + (0..<5000).map {
            UInt8(truncatingIfNeeded: $0 &* 7)
        }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
    }

    /// One extra part: its headers and content.
    struct Part {
        var headers: [String]
        var content: String
    }

    /// A message from rita in Outlook's shape: plain and HTML text inside `multipart/related` with the
    /// signature's logo and a pasted screenshot the HTML shows, then `parts` as attachments.
    static func message(
        id: String = "<files-1@mail.customer.example>", subject: String = "Drucker zeigt Fehler 13.2",
        headers: [String] = [], text: String = "Der Drucker zeigt Fehler 13.2, siehe Bildschirmfoto.",
        parts: [Part]
    ) -> String {
        var lines = [
            "From: Rita Reuter <rita@customer.example>", "To: it@it.example", "Subject: \(subject)",
            "Message-ID: \(id)", "Date: Mon, 7 Dec 2026 09:00:00 +0100", "MIME-Version: 1.0",
        ]
        lines += headers
        lines += [
            #"Content-Type: multipart/mixed; boundary="mixed""#, "", "--mixed",
            #"Content-Type: multipart/related; boundary="related""#, "", "--related",
            #"Content-Type: multipart/alternative; boundary="alt""#, "", "--alt",
            "Content-Type: text/plain; charset=utf-8", "", text, "", "Rita Reuter", "--alt",
            "Content-Type: text/html; charset=utf-8", "",
            #"<p>\#(text)</p><p><img src="cid:shot@x"></p><p>Rita Reuter<br><img src="cid:logo@x"></p>"#,
            "--alt--", "--related",
            #"Content-Type: image/png; name="image001.png""#, #"Content-Disposition: inline; filename="image001.png""#,
            "Content-ID: <logo@x>", "Content-Transfer-Encoding: base64", "", base64(logo), "--related",
            #"Content-Type: image/png; name="Bildschirmfoto.png""#, "Content-ID: <shot@x>",
            "Content-Transfer-Encoding: base64", "", base64(screenshot), "--related--",
        ]
        for part in parts { lines += ["--mixed"] + part.headers + ["", part.content] }
        lines += ["--mixed--", ""]
        return lines.joined(separator: "\n")
    }

    static let pdfPart = Part(
        headers: [
            "Content-Type: application/pdf",
            "Content-Disposition: attachment; filename*=utf-8''Pr%C3%BCfbericht%20M%C3%A4rz.pdf",
            "Content-Transfer-Encoding: base64",
        ], content: base64(pdf))

    static func post(_ hub: TestHub, token: String, _ message: String) async throws -> (Int, MailOutcome?) {
        var request = URLRequest(url: URL(string: hub.httpBase + "/v1/mail")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("message/rfc822", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(message.utf8)
        // A message of a hundred files is a few hundred durable commits; a loaded CI machine may take longer
        // than URLSession's default minute over them, which is no failure of the hub's.
        request.timeoutInterval = 600
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, try? JSONDecoder().decode(MailOutcome.self, from: data))
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test(
        "a new mail's screenshot and PDF are attached, public, by her; the signature's logo is not; twice is once")
    func attached() async throws {
        try await withHub(configure: { $0.mailDomains = ["customer.example"] }) { hub in
            let gate = try await hub.token("postfix", .mailgate)
            let mail = Self.message(parts: [Self.pdfPart])
            let (status, outcome) = try await Self.post(hub, token: gate, mail)
            #expect(status == 202)
            let expected = MailOutcome(
                .opened, ticket: "T-1",
                files: [
                    MailFile(
                        name: "image001.png", size: 2048, result: .dropped,
                        reason: "an inline image under 16384 bytes: a signature's, not kept"),
                    MailFile(name: "Bildschirmfoto.png", size: 204_800, result: .attached, attachment: "A-1"),
                    MailFile(name: "Prüfbericht März.pdf", size: Self.pdf.count, result: .attached, attachment: "A-2"),
                ])
            #expect(outcome == expected)
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.attachments.map(\.name) == ["Bildschirmfoto.png", "Prüfbericht März.pdf"])
            #expect(ticket.attachments.map(\.mediaType) == ["image/png", "application/pdf"], "sniffed from the bytes")
            #expect(ticket.attachments.allSatisfy { $0.visibility == .public && $0.author == "rita@customer.example" })
            #expect(ticket.comments.isEmpty, "nothing was refused, so no note")

            // The bytes as she sent them, to staff and to her (her files are public).
            let alice = try await hub.token("alice", .agent)
            let rita = try await hub.token("rita@customer.example", .requester)
            for (id, bytes) in [("A-1", Self.screenshot), ("A-2", Self.pdf)] {
                for token in [alice, rita] {
                    let answer = try await AttachmentHubTests.send(hub, "GET", "/v1/attachments/\(id)", token: token)
                    #expect(answer.status == 200 && answer.body.count == bytes.count)
                    #expect(Self.sha256(answer.body) == Self.sha256(bytes), "\(id)")
                }
                let stored = try #require(ticket.attachments.first { $0.id == id })
                #expect(stored.sha256 == Self.sha256(bytes) && stored.size == Int64(bytes.count))
            }

            // The mail system delivers it again: the same answer, nothing attached twice.
            let seq = hub.ledger.snapshot.seq
            let (_, again) = try await Self.post(hub, token: gate, mail)
            #expect(again == expected)
            #expect(hub.ledger.snapshot.seq == seq, "nothing logged")
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.attachments.count == 2)

            // Her reply with one more file joins the ticket: the comment, then the file.
            let reply = Self.message(
                id: "<files-2@mail.customer.example>", subject: "Re: [T-1] Drucker zeigt Fehler 13.2",
                text: "Hier noch das Protokoll.",
                parts: [
                    Part(
                        headers: [
                            #"Content-Type: text/plain; charset=utf-8; name="=?UTF-8?Q?Drucker=E2=80=93Protokoll.log?=""#,
                            #"Content-Disposition: attachment; filename="=?UTF-8?Q?Drucker=E2=80=93Protokoll.log?=""#,
                        ], content: "13.2 paper jam tray 2")
                ])
            let (_, replied) = try await Self.post(hub, token: gate, reply)
            #expect(replied?.outcome == .commented && replied?.ticket == "T-1")
            #expect(replied?.files?.map(\.result) == [.dropped, .attached, .attached])
            let after = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(after.comments.last?.body.hasPrefix("Hier noch das Protokoll.") == true)
            #expect(after.attachments.map(\.name).last == "Drucker–Protokoll.log")
            #expect(after.attachments.count == 4, "the screenshot again (a new mail, a new file), and the log")
            let metrics = try await fetchText(hub.httpBase + "/metrics", token: alice).body
            #expect(metrics.contains(#"swarm_mail_files_total{result="attached"} 6"#), "\(metrics)")
            #expect(metrics.contains(#"swarm_mail_files_total{result="dropped"} 3"#))
        }
    }

    @Test("a file over the limit is not attached: the answer says why, staff get a note, she sees none of it")
    func refused() async throws {
        try await withHub(configure: {
            $0.mailDomains = ["customer.example"]
            $0.swarm.attachmentMaxFile = 100_000
            $0.swarm.attachmentMaxTicket = 50_000
        }) { hub in
            let gate = try await hub.token("postfix", .mailgate)
            let second = Part(
                headers: [
                    "Content-Type: application/pdf", #"Content-Disposition: attachment; filename="Kopie.pdf""#,
                    "Content-Transfer-Encoding: base64",
                ], content: Self.base64(Array(Self.pdf.reversed())))
            let mail = Self.message(parts: [Self.pdfPart, second])
            let (status, outcome) = try await Self.post(hub, token: gate, mail)
            #expect(status == 202 && outcome?.outcome == .opened && outcome?.ticket == "T-1", "the message is taken")
            let files = try #require(outcome?.files)
            #expect(files.map(\.result) == [.dropped, .refused, .attached, .attached])
            #expect(files[1].reason == "the file has 204800 bytes, 104800 over the limit of 100000 bytes per file")

            // Two small PDFs fit the ticket; 90,000 bytes more would not (the ticket's limit, the ledger's word).
            let third = Part(
                headers: [
                    "Content-Type: application/octet-stream", #"Content-Disposition: attachment; filename="dump.bin""#,
                    "Content-Transfer-Encoding: base64",
                ], content: Self.base64([UInt8](repeating: 0x42, count: 90_000)))
            let reply = Self.message(
                id: "<files-3@mail.customer.example>", subject: "Re: [T-1] Drucker", text: "Und der Speicherauszug.",
                parts: [third])
            let (_, answered) = try await Self.post(hub, token: gate, reply)
            let dump = try #require(answered?.files?.last)
            #expect(dump.name == "dump.bin" && dump.result == .refused)
            // Told the limit, not the ticket's total, which counts internal files (the mail is hers).
            #expect(
                dump.reason == "T-1 has no room for 90000 more bytes of files: its limit is 50000 bytes per ticket",
                "\(dump)")

            // Staff's notes name each file and why; the requester sees neither the notes nor the refusals.
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            let notes = ticket.comments.filter { $0.author == SwarmState.systemActor }
            #expect(notes.count == 2 && notes.allSatisfy { $0.visibility == .internal })
            #expect(notes.first?.body.contains("Bildschirmfoto.png (204800 bytes): the file has 204800 bytes") == true)
            #expect(notes.first?.body.contains("<files-1@mail.customer.example>") == true, "\(notes)")
            #expect(notes.last?.body.contains("dump.bin (90000 bytes)") == true)
            #expect(ticket.attachments.map(\.name) == ["Prüfbericht März.pdf", "Kopie.pdf"])
            #expect(ticket.firstResponseAt == nil, "the hub's note is no answer to her")
            let rita = try await hub.token("rita@customer.example", .requester)
            let hers = try await fetchText(hub.httpBase + "/v1/tickets/T-1", token: rita)
            #expect(hers.status == 200 && !hers.body.contains("Bildschirmfoto.png") && !hers.body.contains("dump.bin"))
            let events = try await fetchText(hub.httpBase + "/v1/tickets/T-1/events", token: rita)
            #expect(!events.body.contains("not attached"))

            // Delivered again: no second note, no second file.
            let seq = hub.ledger.snapshot.seq
            let (_, again) = try await Self.post(hub, token: gate, mail)
            #expect(again == outcome)
            #expect(hub.ledger.snapshot.seq == seq)
        }
    }

    @Test("a reply of files only is taken; a reply of a signature only says nothing")
    func filesOnly() async throws {
        try await withHub(configure: { $0.mailDomains = ["customer.example"] }) { hub in
            let gate = try await hub.token("postfix", .mailgate)
            _ = try await Self.post(hub, token: gate, Self.message(parts: []))
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.attachments.count == 1)
            let bare = """
                From: rita@customer.example
                To: it@it.example
                Subject: Re: [T-1] Drucker
                Message-ID: <bare@mail.customer.example>
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="m"

                --m
                Content-Type: application/pdf
                Content-Disposition: attachment; filename="scan.pdf"
                Content-Transfer-Encoding: base64

                \(Self.base64(Self.pdf))
                --m--

                """
            let (_, outcome) = try await Self.post(hub, token: gate, bare)
            #expect(outcome?.outcome == .commented && outcome?.reason == "files only, no text")
            #expect(outcome?.files?.map(\.result) == [.attached])
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.attachments.last?.name == "scan.pdf")
            #expect(hub.ledger.snapshot.state.tickets["T-1"]?.comments.isEmpty == true)

            // Nothing but her signature's logo: nothing to take, and the answer says what was dropped.
            let logoOnly = """
                From: rita@customer.example
                To: it@it.example
                Subject: Re: [T-1] Drucker
                Message-ID: <logo-only@mail.customer.example>
                MIME-Version: 1.0
                Content-Type: multipart/related; boundary="r"

                --r
                Content-Type: text/html; charset=utf-8

                <p><img src="cid:logo@x"></p>
                --r
                Content-Type: image/png; name="image001.png"
                Content-ID: <logo@x>
                Content-Transfer-Encoding: base64

                \(Self.base64(Self.logo))
                --r--

                """
            let seq = hub.ledger.snapshot.seq
            let (_, nothing) = try await Self.post(hub, token: gate, logoOnly)
            #expect(nothing?.outcome == .ignored && nothing?.reason == "the reply says nothing")
            #expect(nothing?.files?.map(\.result) == [.dropped])
            #expect(hub.ledger.snapshot.seq == seq)
        }
    }
}

extension MailFilesHubTests {
    @Test("a message of 101 files: the first 100 are attached, the last is refused and noted, not dropped")
    func tooManyFiles() async throws {
        try await withHub(configure: { $0.mailDomains = ["customer.example"] }) { hub in
            let gate = try await hub.token("postfix", .mailgate)
            var lines = [
                "From: rita@customer.example", "To: it@it.example", "Subject: Logs", "Message-ID: <many@x>",
                "MIME-Version: 1.0", #"Content-Type: multipart/mixed; boundary="m""#, "", "--m",
                "Content-Type: text/plain", "", "Alle Protokolle.",
            ]
            for index in 0..<101 {
                lines += [
                    "--m", "Content-Type: text/plain", #"Content-Disposition: attachment; filename="log\#(index).txt""#,
                    "", "line \(index)",
                ]
            }
            lines += ["--m--", ""]
            let (_, outcome) = try await Self.post(hub, token: gate, lines.joined(separator: "\n"))
            let files = try #require(outcome?.files)
            #expect(files.count == 101 && files.prefix(100).allSatisfy { $0.result == .attached })
            #expect(files.last?.name == "log100.txt" && files.last?.result == .refused)
            #expect(files.last?.reason == "the message has more than 100 files; the hub takes its first 100")
            let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
            #expect(ticket.attachments.count == 100)
            #expect(ticket.comments.count == 1 && ticket.comments[0].body.contains("log100.txt"))
        }
    }
}

/// A mail's file scanned by a real clamd: EICAR is refused with its signature's name, the message taken.
@Suite("Mail in: files scanned by a real clamd", .serialized, .enabled(if: ClamdHarness.isAvailable))
struct MailFilesScanTests {
    @Test("an EICAR part is refused with the signature's name and noted for staff; the rest is attached")
    func eicar() async throws {
        try await ClamdHarness.with { clamd in
            try await withHub(configure: {
                $0.mailDomains = ["customer.example"]
                $0.clamd = try? ClamdAddress(parsing: clamd.address)
                $0.clamdWait = .seconds(2)
            }) { hub in
                let gate = try await hub.token("postfix", .mailgate)
                let infected = MailFilesHubTests.Part(
                    headers: [
                        "Content-Type: application/pdf", #"Content-Disposition: attachment; filename="Rechnung.pdf""#,
                        "Content-Transfer-Encoding: base64",
                    ], content: MailFilesHubTests.base64(ClamdHarness.eicar))
                let mail = MailFilesHubTests.message(parts: [MailFilesHubTests.pdfPart, infected])
                let (status, outcome) = try await MailFilesHubTests.post(hub, token: gate, mail)
                #expect(status == 202 && outcome?.outcome == .opened)
                let files = try #require(outcome?.files)
                #expect(files.map(\.result) == [.dropped, .attached, .attached, .refused])
                let reason = "the file carries \(ClamdHarness.signature) (ClamAV); it was not attached"
                #expect(files.last?.reason == reason, "\(files)")
                let ticket = try #require(hub.ledger.snapshot.state.tickets["T-1"])
                #expect(!ticket.attachments.contains { $0.name == "Rechnung.pdf" })
                #expect(ticket.attachments.count == 2)
                let note = try #require(ticket.comments.first)
                #expect(note.visibility == .internal && note.body.contains("Rechnung.pdf (68 bytes): \(reason)"))

                // clamd away: the files wait for it once, then are refused as unavailable — the message is
                // still taken and its text is on the ticket.
                try await clamd.control("stop")
                let (_, away) = try await MailFilesHubTests.post(
                    hub, token: gate,
                    MailFilesHubTests.message(
                        id: "<files-9@mail.customer.example>", subject: "Noch ein Drucker",
                        parts: [MailFilesHubTests.pdfPart]))
                #expect(away?.outcome == .opened && away?.ticket == "T-2")
                #expect(away?.files?.map(\.result) == [.dropped, .refused, .refused])
                #expect(
                    away?.files?.dropFirst().allSatisfy {
                        $0.reason?.contains("the virus scanner cannot be reached") == true
                    } == true, "\(String(describing: away))")
                #expect(hub.ledger.snapshot.state.tickets["T-2"]?.attachments.isEmpty == true, "never unscanned")
                #expect(hub.ledger.snapshot.state.tickets["T-2"]?.comments.count == 1, "one note for both")
            }
        }
    }
}
