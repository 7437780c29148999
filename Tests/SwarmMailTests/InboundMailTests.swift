import SwarmMail
import SwarmProtocol
import Testing

/// Each corpus message, read with LF and with CRLF line ends: the exact values the hub will use.
@Suite("Reading incoming mail")
struct InboundMailTests {
    @Test("Outlook, English: plain alternative chosen, '-----Original Message-----' cut", arguments: [false, true])
    func outlookEnglish(crlf: Bool) throws {
        let mail = try Corpus.parse("outlook-reply-en.eml", crlf: crlf)
        #expect(mail.messageID == "AM0PR04MB6433A1B2C3D4E5F6@AM0PR04MB6433.eurprd04.prod.outlook.com")
        #expect(mail.inReplyTo == "ticket-42.event-17@it.example")
        #expect(mail.references == ["ticket-42.event-17@it.example"])
        #expect(mail.from == MailAddress("anna.schmidt@example.com", name: "Anna Schmidt"))
        #expect(mail.to == [MailAddress("help@it.example", name: "IT Help Desk")])
        #expect(mail.subject == "RE: [T-42] Printer on 3rd floor jams")
        #expect(mail.ticketTag == "T-42")
        #expect(mail.date == Timestamp(milliseconds: 1_741_071_725_000))
        #expect(mail.text.hasPrefix("Hi,\n\nthe printer still jams"))
        #expect(mail.text.contains("-----Original Message-----"))
        #expect(
            mail.reply == "Hi,\n\nthe printer still jams after the new toner. It shows error 13.2 now.\n\nThanks,\nAnna"
        )
        #expect(mail.automatic == nil)
        #expect(mail.deliveryReport == nil)
        #expect(mail.attachments.isEmpty)
        #expect(mail.language == "en-US")
        #expect(mail.threadMessageIDs == ["ticket-42.event-17@it.example"])
    }

    @Test("Outlook, German: ISO-8859-1 quoted-printable, Q-encoded subject, 'Von: … Gesendet: …' cut")
    func outlookGerman() throws {
        let mail = try Corpus.parse("outlook-reply-de.eml")
        #expect(mail.from == MailAddress("juergen.mueller@example.de", name: "Müller, Jürgen"))
        #expect(mail.subject == "AW: [T-7] Zugriff auf Laufwerk P: verweigert – gelöst")
        #expect(mail.ticketTag == "T-7")
        #expect(mail.references == ["ticket-7.event-1@it.example", "ticket-7.event-3@it.example"])
        #expect(mail.threadMessageIDs == ["ticket-7.event-3@it.example", "ticket-7.event-1@it.example"])
        #expect(
            mail.reply
                == "Hallo,\n\ndas Laufwerk für Großformate ist wieder erreichbar. Danke für die schnelle Hilfe!\n\nViele Grüße\nJürgen Müller"
        )
        #expect(mail.text.contains("Von: IT Help Desk <help@it.example>"))
        #expect(mail.language == "de-DE")
    }

    @Test(
        "Gmail: B-encoded UTF-8 subject, base64 UTF-8 body, attribution wrapped on two lines", arguments: [false, true])
    func gmail(crlf: Bool) throws {
        let mail = try Corpus.parse("gmail-reply.eml", crlf: crlf)
        #expect(mail.subject == "Re: [T-42] VPN: Zertifikat ungültig – Grüße")
        #expect(mail.from == MailAddress("lena.vogel@gmail.com", name: "Lena Vogel"))
        #expect(mail.messageID == "CAF3xK9vQ+8Yh2Jm0sPq-ZtL4u7nB1fDw@mail.gmail.com")
        #expect(
            mail.reply
                == "Hallo zusammen,\n\nleider funktioniert das VPN immer noch nicht. Fehlermeldung: „Zertifikat ungültig“.\n\nGrüße, Lena"
        )
        #expect(mail.text.hasSuffix("> IT Help Desk"))
    }

    @Test("Apple Mail: format=flowed quoted-printable UTF-8, 'Am … schrieb …:' cut, umlaut Q-words")
    func appleMail() throws {
        let mail = try Corpus.parse("apple-mail-de.eml")
        #expect(mail.subject == "Re: [T-108] Festplatte voll? Überprüfung")
        #expect(mail.ticketTag == "T-108")
        #expect(mail.messageID == "8F4C2A1E-5B3D-4E6F-9A7B-C1D2E3F4A5B6@example.de")
        #expect(
            mail.reply
                == "Hallo IT-Team, mein MacBook zeigt seit dem Update ständig „Festplatte voll“ an, obwohl noch 200 GB frei sind.\n\nGruß\nMax"
        )
        #expect(mail.language == "de")
    }

    @Test("HTML only, ISO-8859-1: blocks, lists, links, entities; script, style and comments dropped")
    func htmlOnly() throws {
        let mail = try Corpus.parse("html-only.eml")
        #expect(mail.from == MailAddress("hr@example.de", name: "Personal, Abteilung"))
        #expect(
            mail.text == """
                Neuer Laptop für Frau Müller

                Bitte bereitet bis Freitag vor:

                - Laptop mit Docking Station
                - Zugang zu VPN-Anleitung (https://wiki.example.de/vpn)

                1. Konto anlegen
                2. Gruppen & Rechte

                Fragen an it-leitung@example.de.
                Danke – Grüße
                """)
        #expect(mail.reply == mail.text)
        #expect(mail.ticketTag == nil)
    }

    @Test("A forward keeps the forwarded message: its headers and text in the text, itself whole as a file")
    func forwarded() throws {
        let mail = try Corpus.parse("forwarded.eml")
        #expect(
            mail.text == """
                Please look at the message below, this has been failing since Monday.

                ---------- Forwarded message ----------
                From: Backup System <backup@fs01.example.com>
                Date: Thu, 6 Mar 2025 02:00:13 +0100
                Subject: Backup job "Nightly" failed

                Job "Nightly" failed: volume D: is full (0 bytes free).
                """)
        #expect(mail.reply == mail.text)
        // Its own attachment stays inside it: kept once, with the message it came with.
        #expect(mail.attachments.map(\.name) == ["Backup job \"Nightly\" failed.eml"])
        #expect(mail.attachments.first?.mediaType == "message/rfc822")
        #expect(mail.attachments.first?.isInline == true, "Content-Disposition: inline")
        let forwarded = String(decoding: mail.attachments.first?.bytes ?? [], as: UTF8.self)
        #expect(forwarded.hasPrefix("From: Backup System <backup@fs01.example.com>"), "\(forwarded)")
        #expect(forwarded.contains("filename=\"backup.log\"") && forwarded.contains("line 2"))
        #expect(mail.automatic == nil)
    }

    @Test("Automatic mail: out of office, mailing list, Exchange's suppression header")
    func automatic() throws {
        let outOfOffice = try Corpus.parse("out-of-office.eml")
        #expect(outOfOffice.automatic == .autoSubmitted("auto-replied"))
        #expect(outOfOffice.subject == "Automatische Antwort: [T-42] Drucker im 3. OG")
        #expect(outOfOffice.text == "Ich bin bis 14. März nicht im Büro.")
        #expect(try Corpus.parse("mailing-list.eml").automatic == .precedence("list"))
        #expect(try Corpus.parse("exchange-auto.eml").automatic == .autoResponseSuppress("RN, NRN, OOF"))
    }

    @Test("Postfix's DSN: the failed recipient, its status, and the Message-ID the hub sent")
    func deliveryStatus() throws {
        let mail = try Corpus.parse("postfix-dsn.eml", crlf: true)
        #expect(
            mail.deliveryReport
                == DeliveryReport(
                    failed: [
                        .init(
                            address: "nobody@example.org", status: "5.1.1",
                            diagnostic: "smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"
                        )
                    ], originalMessageID: "ticket-42.event-17@it.example"))
        #expect(mail.automatic == .autoSubmitted("auto-replied"))
        #expect(mail.from.address == "mailer-daemon@mx.it.example")
        #expect(mail.text.hasPrefix("This is the mail system at host mx.it.example."))
    }

    @Test("Malformed MIME: no closing boundary, bad base64, an unknown charset, a date that is none")
    func malformed() throws {
        let mail = try Corpus.parse("malformed.eml")
        #expect(mail.text == "Der Drucker im Großraumbüro druckt nur noch leere Seiten.")
        #expect(mail.date == nil)
        #expect(mail.attachments.count == 1)
        #expect(mail.attachments.first?.name == "dump.bin")
        #expect(mail.attachments.first?.mediaType == "application/octet-stream")
    }

    @Test("A header 100 kB long: read, the References cut to the root and the latest")
    func longHeader() throws {
        let mail = try Corpus.parse("long-header.eml")
        #expect(mail.references.count == InboundMail.maxReferences)
        #expect(mail.references.first == "ticket-9.event-0@it.example")
        #expect(mail.references.last == "ticket-9.event-1@it.example")
        #expect(mail.inReplyTo == "ticket-9.event-1@it.example")
        #expect(mail.text == "Still broken.")
        #expect(mail.ticketTag == "T-9")
    }

    @Test("Attachments are kept with their decoded bytes; RFC 2231 file names and encoded names decoded")
    func attachments() throws {
        let mail = try Corpus.parse("attachment.eml")
        #expect(mail.from == MailAddress("joerg.weiss@example.de", name: "Jörg Weiß"))
        #expect(
            mail.to == [MailAddress("help@it.example"), MailAddress("it-buero@example.de", name: "IT Büro")])
        #expect(mail.cc == [MailAddress("chef@example.de")])
        #expect(mail.text == "Die Rechnung im Anhang lässt sich nicht drucken.")
        #expect(mail.attachments.map(\.name) == ["Rechnung März.pdf"])
        let pdf = try #require(mail.attachments.first)
        #expect(pdf.mediaType == "application/pdf" && pdf.size == 2064 && !pdf.isInline)
        #expect(pdf.bytes.starts(with: Array("%PDF-1.4\n".utf8)))
        #expect(mail.inReplyTo == nil)
        #expect(mail.references.isEmpty)
    }

    @Test("Refused: no sender, no bytes, no message")
    func refused() {
        #expect(throws: MailError(.noSender, "the message names no sender address in From")) {
            try Corpus.parse("no-from.eml")
        }
        #expect(throws: MailError(.empty, "the message is empty")) {
            try InboundMail.parse([UInt8](), hub: Corpus.hub)
        }
        #expect(
            performing: { try InboundMail.parse(Array("just some words\n".utf8), hub: Corpus.hub) },
            throws: {
                ($0 as? MailError)?.code == .notAMessage || ($0 as? MailError)?.code == .noSender
            })
    }

    @Test("The hub's own mail coming back is recognised by its header, its X-Loop or its Message-ID")
    func hubOwnMail() throws {
        let base = "From: someone@example.com\nSubject: x\n"
        let cases: [(String, AutomaticKind)] = [
            ("X-Swarm-Hub: it.example\n", .hub("X-Swarm-Hub: it.example")),
            ("X-Loop: Help@IT.example\n", .hub("X-Loop: Help@IT.example")),
            ("Message-ID: <ticket-1.event-2@it.example>\n", .hub("Message-ID: ticket-1.event-2@it.example")),
            ("X-Loop: other@elsewhere.example\n", .xLoop("other@elsewhere.example")),
        ]
        for (headers, expected) in cases {
            let mail = try InboundMail.parse(Array((base + headers + "\nbody\n").utf8), hub: Corpus.hub)
            #expect(mail.automatic == expected, "\(headers)")
        }
        let person = try InboundMail.parse(
            Array((base + "Auto-Submitted: no\nPrecedence: first-class\n\nbody\n").utf8), hub: Corpus.hub)
        #expect(person.automatic == nil)
    }

    @Test("Ticket tags: only [T-<digits>]")
    func ticketTags() throws {
        let subjects: [(String, String?)] = [
            ("Re: [T-42] x", "T-42"), ("[T-007]", "T-7"), ("T-42", nil), ("[t-42]", nil), ("[T-]", nil),
            ("[T-42", nil), ("[T-4x]", nil), ("Re: [ext] [T-5] and [T-6]", "T-5"), ("[T-0]", nil),
        ]
        for (subject, tag) in subjects {
            let mail = try InboundMail.parse(
                Array("From: a@example.com\nSubject: \(subject)\n\nx\n".utf8), hub: Corpus.hub)
            #expect(mail.ticketTag == tag, "\(subject)")
        }
    }
}
