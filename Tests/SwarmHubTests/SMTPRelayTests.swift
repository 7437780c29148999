import Foundation
import SwarmConfiguration
import SwarmTestSupport
import Testing

@testable import SwarmHub

@Suite("The SMTP relay: libcurl against a real Postfix on loopback")
struct SMTPRelayTests {
    /// A small message, CRLF as SMTP wants it, with a Message-ID to find it by.
    func message(id: String, to: String, body: String = "Ihr Ticket T-7 ist gelöst.") -> [UInt8] {
        let text = [
            "From: IT-Hilfe <it@it.example>", "To: \(to)", "Subject: [T-7] Gelöst", "Message-ID: <\(id)>",
            "Auto-Submitted: auto-generated", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit", "", body, "",
        ].joined(separator: "\r\n")
        return Array(text.utf8)
    }

    @Test("a message the relay takes reaches the mailbox whole", .enabled(if: MailHarness.isAvailable))
    func delivers() async throws {
        try await MailHarness.with { mail in
            let relay = SMTPRelay(url: try RelayURL(parsing: mail.smtpURL))
            try await relay.send(
                message(id: "T-7.42@it.example", to: "rita@customer.example"), from: "it@it.example",
                to: ["rita@customer.example"])
            let delivered = try await mail.waitForDelivery(count: 1)
            #expect(delivered.count == 1)
            let text = try #require(delivered.first)
            #expect(text.contains("Message-ID: <T-7.42@it.example>"))
            #expect(text.contains("Subject: [T-7] Gelöst"))
            #expect(text.contains("Ihr Ticket T-7 ist gelöst."))
            #expect(text.contains("Return-Path: <it@it.example>"), "the envelope sender is the one given")
        }
    }

    @Test("a relay that does not answer is a temporary failure, and nothing is half sent")
    func unreachable() async throws {
        // Port 9 (discard) has no listener on loopback here: the connection is refused.
        let relay = SMTPRelay(url: try RelayURL(parsing: "smtp://127.0.0.1:9"), timeout: .seconds(5))
        let error = await #expect(throws: RelayError.self) {
            try await relay.send(
                message(id: "a@it.example", to: "x@y.example"), from: "it@it.example", to: ["x@y.example"])
        }
        #expect(error?.kind == .temporary)
    }

    @Test("a message the relay refuses for good is a permanent failure", .enabled(if: MailHarness.isAvailable))
    func refused() async throws {
        try await MailHarness.with { mail in
            let relay = SMTPRelay(url: try RelayURL(parsing: mail.smtpURL))
            // Larger than the harness's message_size_limit (40 MB): Postfix answers 552.
            let large = message(
                id: "big@it.example", to: "rita@customer.example", body: String(repeating: "x", count: 41_000_000))
            let error = await #expect(throws: RelayError.self) {
                try await relay.send(large, from: "it@it.example", to: ["rita@customer.example"])
            }
            #expect(error?.kind == .permanent, "\(String(describing: error))")
            #expect(mail.delivered().isEmpty)
        }
    }

    @Test("the relay's URL and the envelope's addresses are checked before anything is sent")
    func validation() async throws {
        for url in [
            "http://mail.example", "smtp://", "smtp://mail.example/path", "smtp://user@mail.example", "mail.example",
        ] {
            #expect(throws: SettingError.self, "\(url)") { try RelayURL(parsing: url) }
        }
        #expect(SMTPRelay.isPlainAddress("rita@customer.example"))
        for bad in [
            "rita", "@x.example", "rita@", "ri ta@x.example", "<rita@x.example>", "rita@x.example\r\nRCPT TO:<e@v.il>",
        ] {
            #expect(!SMTPRelay.isPlainAddress(bad), "\(bad)")
        }
        let relay = SMTPRelay(url: try RelayURL(parsing: "smtp://127.0.0.1:9"))
        let error = await #expect(throws: RelayError.self) {
            try await relay.send([], from: "it@it.example", to: ["a@b.example\r\nDATA"])
        }
        #expect(error?.kind == .permanent)
    }

    @Test("a credentials file is user:password on its first line")
    func credentials() throws {
        let path = NSTemporaryDirectory() + "smtp-credentials-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "helpdesk:pa:ss word\nignored\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try RelayCredentials.read(path: path) == .init(user: "helpdesk", password: "pa:ss word"))
        try "no colon here\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SettingError.self) { try RelayCredentials.read(path: path) }
        #expect(throws: SettingError.self) { try RelayCredentials.read(path: path + ".missing") }
    }
}
