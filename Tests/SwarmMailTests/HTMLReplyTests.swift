import Foundation
import SwarmMail
import Testing

/// The HTML alternatives of the Outlook and Gmail messages, read as if they were alone (the plain part's
/// type hidden): the HTML path finds the same new part as the plain one.
@Suite("Replies written in HTML")
struct HTMLReplyTests {
    static func htmlOnly(_ name: String) throws -> InboundMail {
        let text = String(decoding: Corpus.bytes(name), as: UTF8.self)
            .replacingOccurrences(of: "Content-Type: text/plain", with: "Content-Type: text/x-hidden")
        return try InboundMail.parse(Array(text.utf8), hub: Corpus.hub)
    }

    @Test("Outlook's HTML reply header block (From:/Sent: in a bordered div) is cut")
    func outlookEnglish() throws {
        let mail = try Self.htmlOnly("outlook-reply-en.eml")
        #expect(
            mail.reply == "Hi,\n\nthe printer still jams after the new toner. It shows error 13.2 now.\n\nThanks,\nAnna"
        )
        #expect(mail.text.contains("From: IT Help Desk <help@it.example>\nSent: Monday, March 3, 2025 10:15 AM"))
    }

    @Test("Outlook's German HTML reply (Von:/Gesendet: under a rule) is cut")
    func outlookGerman() throws {
        let mail = try Self.htmlOnly("outlook-reply-de.eml")
        #expect(
            mail.reply
                == "Hallo,\n\ndas Laufwerk für Großformate ist wieder erreichbar. Danke für die schnelle Hilfe!\n\nViele Grüße\nJürgen Müller"
        )
    }

    @Test("Gmail's gmail_quote: the attribution cut, the blockquote quoted")
    func gmail() throws {
        let mail = try Self.htmlOnly("gmail-reply.eml")
        #expect(
            mail.text.hasSuffix(
                "On Mon, 3 Mar 2025 at 10:15, IT Help Desk <help@it.example> wrote:\n\n> Bitte starten Sie den Client neu."
            ))
        #expect(
            mail.reply
                == "Hallo zusammen,\n\nleider funktioniert das VPN immer noch nicht. Fehlermeldung: „Zertifikat ungültig“.\n\nGrüße, Lena"
        )
    }
}
