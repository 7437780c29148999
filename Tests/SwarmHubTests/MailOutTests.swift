import Foundation
import SwarmConfiguration
import SwarmCore
import SwarmMail
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@testable import SwarmHub

@Suite("Mail out: what the requester is mailed, and that it arrives through a real relay")
struct MailOutTests {
    let rita = Principal(id: "rita@customer.example", role: .requester)
    let alice = Principal(id: "alice", role: .agent)
    let settings = SwarmSettings(taxonomy: .standard)

    func open(_ title: String = "VPN bricht ab") -> Command {
        .client(
            .ticketOpen(
                TicketOpen(
                    title: title, description: "Seit heute früh.", category: .network, urgency: .high, impact: .low)))
    }

    /// Decides and applies `commands` in turn, each event with its seq; returns the state and the log.
    func run(_ commands: [(Command, Principal)]) throws -> (SwarmState, [StoredEvent]) {
        var state = SwarmState()
        var log: [StoredEvent] = []
        for (index, (command, principal)) in commands.enumerated() {
            let at = Timestamp(milliseconds: 1_000 * Int64(index + 1))
            for event in try state.decide(command, by: principal, at: at, settings: settings) {
                state.apply(event)
                log.append(StoredEvent(seq: Int64(log.count + 1), channels: [], event: event, json: "{}"))
            }
        }
        return (state, log)
    }

    func plan(_ log: [StoredEvent], _ state: SwarmState, _ language: MailLanguage = .en) -> [PlannedMail] {
        log.flatMap { MailPlan.mails(for: $0, in: state, domain: "it.example", language: language) }
    }

    @Test("opened, a public reply, waiting and resolved mail her; internal notes, her own words and other steps do not")
    func plannedMails() throws {
        let (state, log) = try run([
            (open(), rita),
            (.client(.swarmJoin(TicketRef(ticket: "T-1"))), alice),
            (.client(.commentAdd(CommentAdd(ticket: "T-1", body: "Intern: Tunnel-MTU prüfen"))), alice),
            (
                .client(
                    .commentAdd(CommentAdd(ticket: "T-1", body: "Please restart the client.", visibility: .public))),
                alice
            ),
            (.client(.commentAdd(CommentAdd(ticket: "T-1", body: "Done, still broken."))), rita),
            (.client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), alice),
            (.client(.ticketStatus(StatusChange(ticket: "T-1", status: .waiting))), alice),
            (.client(.ticketStatus(StatusChange(ticket: "T-1", status: .inProgress))), alice),
            (
                .client(.ticketStatus(StatusChange(ticket: "T-1", status: .resolved, resolution: "MTU set to 1400"))),
                alice
            ),
        ])
        let mails = plan(log, state)
        #expect(mails.map(\.kind) == [.opened, .reply, .waiting, .resolved])
        #expect(mails.allSatisfy { $0.recipient == "rita@customer.example" && $0.ticket == "T-1" })
        #expect(mails.allSatisfy { $0.references == ["T-1@it.example"] && $0.subject == "VPN bricht ab" })
        #expect(Set(mails.map(\.id)).count == 4)
        #expect(mails.allSatisfy { $0.id.hasPrefix("T-1.") && $0.id.hasSuffix("@it.example") })
        #expect(mails[1].text.hasPrefix("Please restart the client."))
        // Rita writes German ("VPN bricht ab", "Seit heute früh."): the hub's words are German.
        #expect(mails.allSatisfy { $0.language == .de })
        #expect(mails[3].text.contains("MTU set to 1400") && mails[3].text.contains("Ihre Antwort öffnet"))
        #expect(!mails.contains { $0.text.contains("Intern") }, "an internal note never leaves by mail")
        // Planned again, the same event gives the same mail: the id is the event's.
        #expect(plan(log, state) == mails)
        #expect(plan(log, state, .en).first?.text.contains("unter der Nummer T-1") == true)
    }

    @Test("a public file by staff mails her its name and size, no bytes; an internal one or her own, nothing")
    func plannedFiles() throws {
        func attach(_ name: String, size: Int64, _ visibility: CommentVisibility?) -> Command {
            .attach(
                AttachmentAdd(
                    ticket: "T-1", name: name, mediaType: "application/pdf", size: size,
                    sha256: String(repeating: "a", count: 64), visibility: visibility))
        }
        let (state, log) = try run([
            (open(), rita),
            (attach("Intern-Diagnose.log", size: 12, nil), alice),
            (attach("Anleitung VPN.pdf", size: 2_143_210, .public), alice),
            (attach("Bildschirmfoto.png", size: 204_800, nil), rita),
        ])
        let mails = plan(log, state)
        #expect(mails.map(\.kind) == [.opened, .file], "her own file is not mailed back to her")
        let file = try #require(mails.last)
        #expect(file.recipient == "rita@customer.example" && file.subject == "VPN bricht ab")
        #expect(file.id == "T-1.\(log.count - 1)@it.example", "the event's identity")
        #expect(file.text.contains("  Anleitung VPN.pdf (2,1 MB)") && file.text.contains("alice vom IT-Team"))
        #expect(file.text.contains("per E-Mail schicken wir keine Dateien mit"))
        #expect(file.text.contains("antworten Sie einfach") && !file.text.contains("Portal"), "no address, no link")
        #expect(!mails.contains { $0.text.contains("Intern-Diagnose") }, "an internal file never leaves by mail")
        // With the hub's address known (--public-url), the mail links to the portal, where the file is.
        let linked = log.flatMap {
            MailPlan.mails(
                for: $0, in: state, domain: "it.example", language: .en, portal: "https://help.it.example/portal/")
        }
        #expect(linked.map(\.kind) == [.opened, .file])
        #expect(
            linked.last?.text.contains(
                "Sie finden sie im Portal bei Ihrer Anfrage:\n\n  https://help.it.example/portal/\n\nOder antworten")
                == true,
            "\(linked.last?.text ?? "")")
        #expect(!linked.contains { $0.text.contains("Intern-Diagnose") })
        let english = MailTexts(language: .en).file(
            try #require(state.tickets["T-1"]?.attachments.first { $0.name == "Anleitung VPN.pdf" }),
            on: try #require(state.tickets["T-1"]))
        #expect(english.contains("  Anleitung VPN.pdf (2.1 MB)") && english.contains("we do not send files by e-mail"))
        let englishLinked = MailTexts(language: .en, portal: "https://help.it.example/portal/").file(
            try #require(state.tickets["T-1"]?.attachments.first { $0.name == "Anleitung VPN.pdf" }),
            on: try #require(state.tickets["T-1"]))
        #expect(englishLinked.contains("in the portal:\n\n  https://help.it.example/portal/\n\nOr just reply"))
        #expect(
            [0, 1, 999, 1000, 204_800, 9_960_000, 26_214_400].map { MailTexts.size($0, language: .en) } == [
                "0 bytes", "1 byte", "999 bytes", "1 KB", "205 KB", "10 MB", "26 MB",
            ])
        #expect(MailTexts.size(1_500, language: .de) == "1,5 KB")
    }

    @Test("no mail for a requester without an address, nor for monitoring's tickets")
    func noAddressNoMail() throws {
        let (state, log) = try run([
            (open(), Principal(id: "rita", role: .requester)),
            (
                .client(
                    .ticketOpen(
                        TicketOpen(
                            title: "Disk full", description: "db1", category: .hardware, urgency: .high, impact: .high,
                            dedupKey: "nagios:db1/disk"))), rita
            ),
        ])
        #expect(plan(log, state).isEmpty)
        #expect(!MailPlan.isAddress("rita") && !MailPlan.isAddress("rita@localhost"))
        #expect(MailPlan.isAddress("rita@customer.example"))
    }

    /// Mail out through the harness's Postfix.
    static func mailOut(
        through mail: MailHarness.Environment, from sender: String = "it@it.example", language: MailLanguageChoice = .en
    ) -> MailOutConfiguration {
        MailOutConfiguration(
            relay: try! RelayURL(parsing: mail.smtpURL), from: try! MailSender(parsing: sender), language: language)
    }

    @Test("a hub with a relay mails the requester through it, once per event", .enabled(if: MailHarness.isAvailable))
    func throughPostfix() async throws {
        try await MailHarness.with { mail in
            try await withHub(configure: {
                $0.mailOut = Self.mailOut(through: mail, from: "IT-Hilfe <it@it.example>", language: .de)
            }) { hub in
                let opened = try await hub.ledger.submit(open(), by: rita, id: "o1").get()
                let ticket = try #require(opened.ticket)
                _ = try await hub.ledger.submit(
                    .client(.commentAdd(CommentAdd(ticket: ticket, body: "Nur intern."))), by: alice, id: "c1"
                ).get()
                _ = try await hub.ledger.submit(
                    .client(
                        .commentAdd(
                            CommentAdd(ticket: ticket, body: "Bitte den Client neu starten.", visibility: .public))),
                    by: alice, id: "c2"
                ).get()
                let delivered = try await mail.waitForDelivery(count: 2)
                #expect(delivered.count == 2)
                let confirmation = try #require(delivered.first { $0.contains("Auto-Submitted: auto-replied") })
                #expect(confirmation.contains("To: rita@customer.example"))
                #expect(confirmation.lowercased().contains("message-id: <\(ticket.lowercased()).1@it.example>"))
                let reply = try #require(delivered.first { $0.contains("Auto-Submitted: auto-generated") })
                #expect(reply.contains("In-Reply-To: <\(ticket)@it.example>"))
                #expect(delivered.allSatisfy { !$0.contains("Nur intern") })
                let summary = try await hub.store.mailSummary()
                #expect(summary.counts[.sent] == 2 && summary.counts[.pending] == nil)
                // Nothing more arrives: each event's mail was sent once.
                try await Task.sleep(for: .seconds(2))
                #expect(mail.delivered().count == 2)
                let agent = try await hub.token("alice")
                let metrics = try await fetchText(hub.httpBase + "/metrics", token: agent).body
                #expect(metrics.contains(#"swarm_mail_out_total{result="sent"} 2"#), "\(metrics)")
                let age = metrics.split(separator: "\n").first { $0.hasPrefix("swarm_mail_queue_age_seconds ") }
                #expect(
                    age.flatMap { Double($0.split(separator: " ")[1]) } == 0,
                    "nothing waits: \(String(describing: age))")
            }
        }
    }

    @Test(
        "through a real relay: staff's public file is named in her mail, without its bytes; an internal one never",
        .enabled(if: MailHarness.isAvailable))
    func filesThroughPostfix() async throws {
        try await MailHarness.with { mail in
            try await withHub(configure: { $0.mailOut = Self.mailOut(through: mail) }) { hub in
                let ticket = try #require(try await hub.ledger.submit(open(), by: rita, id: "o1").get().ticket)
                let alice = try await hub.token("alice")
                // Bytes no mail may carry, in any encoding: a marker in a file of 300 kB.
                let marker = "MARKER-7f3c9a-NOT-IN-ANY-MAIL"
                let guide = Array("%PDF-1.4\n\(marker)\n".utf8) + [UInt8](repeating: 0x20, count: 300_000)
                let internalLog = Array("\(marker) db1 disk full\n".utf8)
                let note = try await AttachmentHubTests.upload(
                    hub, ticket, name: "Intern-Diagnose.log", internalLog, token: alice)
                #expect(note.status == 201)
                let shared = try await AttachmentHubTests.upload(
                    hub, ticket, name: "Anleitung VPN.pdf", guide, token: alice, visibility: "public")
                #expect(shared.status == 201)
                let delivered = try await mail.waitForDelivery(count: 2)
                let file = try #require(delivered.first { !$0.contains("Auto-Submitted: auto-replied") })
                let text = Self.decodedText(file)
                #expect(text.contains("Anleitung VPN.pdf (300 KB)"), "\(text)")
                // Her words are German ("VPN bricht ab"), so is the mail.
                #expect(text.contains("alice vom IT-Team hat Ihrer Anfrage \(ticket)"))
                #expect(text.contains("per E-Mail schicken wir keine Dateien mit"))
                #expect(file.count < 20_000, "a mail about a 300 kB file is small: \(file.count) bytes")
                #expect(!file.lowercased().contains("content-disposition: attachment"))
                #expect(!file.contains("multipart/mixed"), "text and HTML only")
                for mail in delivered {
                    #expect(!Self.decodedText(mail).contains(marker) && !mail.contains(marker))
                    #expect(!Self.decodedText(mail).contains("Intern-Diagnose"), "an internal file is named nowhere")
                }
                // Nothing more: the internal file caused no mail.
                try await Task.sleep(for: .seconds(2))
                #expect(mail.delivered().count == 2)
                #expect(try await hub.store.allMail().map(\.kind).sorted() == ["file", "opened"])
            }
        }
    }

    /// A delivered mail's text as a person reads it: its plain part, transfer encoding undone.
    static func decodedText(_ raw: String) -> String {
        (try? InboundMail.parse(Array(raw.utf8), hub: HubMailIdentity(domain: "x.invalid", address: "x@x.invalid")))?
            .text ?? ""
    }

    @Test(
        "one address gets at most five confirmations an hour, however many tickets open for it",
        .enabled(if: MailHarness.isAvailable))
    func answersPerHour() async throws {
        try await MailHarness.with { mail in
            try await withHub(configure: { $0.mailOut = Self.mailOut(through: mail) }) { hub in
                for index in 1...7 {
                    _ = try await hub.ledger.submit(open("Loop \(index)"), by: rita, id: "o\(index)").get()
                }
                let delivered = try await mail.waitForDelivery(count: 5)
                try await Task.sleep(for: .seconds(2))
                #expect(mail.delivered().count == 5, "the sixth and seventh confirmations are not sent")
                #expect(delivered.allSatisfy { $0.contains("Auto-Submitted: auto-replied") })
                let held = try await hub.store.allMail().filter { $0.state == .failed }
                #expect(held.map(\.ticket) == ["T-6", "T-7"])
                #expect(held.allSatisfy { $0.lastError?.contains("5 automatic answers") == true })
                // A reply on one of them is a person's answer, not an automatic one: it still goes.
                _ = try await hub.ledger.submit(
                    .client(.commentAdd(CommentAdd(ticket: "T-7", body: "We are on it.", visibility: .public))),
                    by: alice, id: "r1"
                ).get()
                let all = try await mail.waitForDelivery(count: 6)
                #expect(all.contains { $0.contains("We are on it.") })
            }
        }
    }
}

@Suite("Mail out speaks the requester's language")
struct MailLanguageTests {
    let rita = Principal(id: "rita@customer.example", role: .requester)
    let ben = Principal(id: "ben@customer.example", role: .requester)
    let alice = Principal(id: "alice", role: .agent)

    @Test("German from a German writer, English from an English one, the hub's language when her words do not tell")
    func languages() throws {
        let settings = SwarmSettings(taxonomy: .standard)
        var state = SwarmState()
        var log: [StoredEvent] = []
        func run(_ command: Command, _ principal: Principal) throws {
            for event in try state.decide(
                command, by: principal, at: Timestamp(milliseconds: Int64(log.count + 1) * 1_000), settings: settings)
            {
                state.apply(event)
                log.append(StoredEvent(seq: Int64(log.count + 1), channels: [], event: event, json: "{}"))
            }
        }
        func open(_ title: String, _ description: String) -> Command {
            .client(
                .ticketOpen(
                    TicketOpen(title: title, description: description, category: .other, urgency: .low, impact: .low)))
        }
        try run(
            open(
                "Drucker",
                "Der Drucker im zweiten Stock druckt seit heute früh nicht mehr, und ich habe ihn schon neu gestartet."),
            rita)
        try run(
            open(
                "Printer",
                "The printer on the second floor has not printed since this morning, and I have restarted it."), ben)
        try run(open("?", "!!!"), Principal(id: "max@customer.example", role: .requester))
        let mails = log.flatMap { MailPlan.mails(for: $0, in: state, domain: "it.example", language: .en) }
        #expect(mails.map(\.language) == [.de, .en, .en])
        #expect(mails[0].text.contains("unter der Nummer T-1"), "\(mails[0].text)")
        let german = log.flatMap { MailPlan.mails(for: $0, in: state, domain: "it.example", language: .de) }
        #expect(german.map(\.language) == [.de, .en, .de], "the hub's language only where her words do not tell")
    }
}
