import Foundation
import SwarmMail
import Testing

/// The files of incoming mail: names decoded and made safe, bytes decoded, placement told, through GMime on
/// messages in the shapes Outlook, Thunderbird and Apple Mail send.
@Suite("Reading the files of incoming mail")
struct MailFilesTests {
    /// A PNG of `size` bytes: a real 1×1 image, padded after its end with bytes no viewer reads, so that
    /// it is a PNG to libmagic and has the size of a signature's logo or of a screenshot.
    static func png(size: Int, seed: UInt8) -> [UInt8] {
        let pixel = [UInt8](
            Data(
                base64Encoded:
                    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
            )!)
        return pixel + (0..<(size - pixel.count)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    /// `bytes` as base64 in lines of 76 characters, as mail programs write it.
    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
    }

    static let logo = png(size: 2048, seed: 1)
    static let screenshot = png(size: 200 * 1024, seed: 7)
    /// A PDF's first bytes and then every byte value, so that base64 is tested on all of them.
    static let pdf = Array("%PDF-1.4\n".utf8) + (0..<3000).map { UInt8(truncatingIfNeeded: $0) }

    /// Outlook's shape: the text as plain and HTML alternatives inside `multipart/related` with the
    /// pictures the HTML shows (a signature's logo, a pasted screenshot), inside `multipart/mixed` with the
    /// attachments — names in RFC 2231 (continued over two parameters), in RFC 2047 (UTF-8 and ISO-8859-1),
    /// one reaching out of its folder, one without a name — and a forwarded message.
    static func outlookMessage() -> String {
        """
        From: =?utf-8?Q?J=C3=B6rg_Wei=C3=9F?= <joerg.weiss@example.de>
        To: help@it.example
        Subject: Drucker zeigt Fehler 13.2
        Date: Mon, 7 Dec 2026 09:00:00 +0100
        Message-ID: <files-1@example.de>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="mixed"

        --mixed
        Content-Type: multipart/related; boundary="related"; type="multipart/alternative"

        --related
        Content-Type: multipart/alternative; boundary="alt"

        --alt
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Hallo, der Drucker zeigt Fehler 13.2, siehe Bildschirmfoto.

        Jörg Weiß

        --alt
        Content-Type: text/html; charset=utf-8
        Content-Transfer-Encoding: 8bit

        <html><body><p>Hallo, der Drucker zeigt Fehler 13.2, siehe Bildschirmfoto.</p>
        <p><img src="cid:screenshot.png@01DB1234" width="800"></p>
        <p>Jörg Weiß<br><img src="CID:image001.png%4001DB1234" alt="Logo"></p></body></html>

        --alt--

        --related
        Content-Type: image/png; name="image001.png"
        Content-Description: image001.png
        Content-Disposition: inline; filename="image001.png"; size=2048
        Content-ID: <image001.png@01DB1234>
        Content-Transfer-Encoding: base64

        \(base64(logo))
        --related
        Content-Type: image/png; name="Bildschirmfoto.png"
        Content-ID: <screenshot.png@01DB1234>
        Content-Transfer-Encoding: base64

        \(base64(screenshot))
        --related--

        --mixed
        Content-Type: application/pdf; name="Pruefbericht.pdf"
        Content-Disposition: attachment;
         filename*0*=utf-8''Pr%C3%BCfbericht%20;
         filename*1*=M%C3%A4rz.pdf
        Content-Transfer-Encoding: base64

        \(base64(pdf))
        --mixed
        Content-Type: text/plain; charset=utf-8; name="=?UTF-8?Q?=C3=84nderungen_f=C3=BCr_Gr=C3=B6=C3=9Fe.txt?="
        Content-Disposition: attachment; filename="=?UTF-8?Q?=C3=84nderungen_f=C3=BCr_Gr=C3=B6=C3=9Fe.txt?="
        Content-Transfer-Encoding: quoted-printable

        Gr=C3=B6=C3=9Fe: A4 -> A3=0A
        --mixed
        Content-Type: text/csv; name="=?ISO-8859-1?Q?Z=E4hler=FCbersicht.csv?="
        Content-Disposition: attachment; filename="=?ISO-8859-1?Q?Z=E4hler=FCbersicht.csv?="

        Drucker;Seiten
        --mixed
        Content-Type: application/octet-stream
        Content-Disposition: attachment; filename="../../etc/passwd"

        root:x:0:0
        --mixed
        Content-Type: image/gif
        Content-Transfer-Encoding: base64

        R0lGODlhAQABAAAAACw=
        --mixed
        Content-Type: message/rfc822
        Content-Disposition: attachment

        From: Backup System <backup@fs01.example.com>
        To: admins@example.com
        Subject: Backup job "Nightly" failed
        Date: Thu, 6 Mar 2025 02:00:13 +0100
        Message-ID: <job-4711@fs01.example.com>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=us-ascii

        Job "Nightly" failed: volume D: is full (0 bytes free).

        --mixed--

        """
    }

    @Test(
        "Outlook's files: decoded names made safe, decoded bytes, a signature's logo told from a screenshot",
        arguments: [false, true])
    func outlook(crlf: Bool) throws {
        let raw = Array(Self.outlookMessage().utf8)
        let mail = try InboundMail.parse(crlf ? Corpus.crlf(raw) : raw, hub: Corpus.hub)
        #expect(
            mail.text == """
                Hallo, der Drucker zeigt Fehler 13.2, siehe Bildschirmfoto.

                Jörg Weiß

                ---------- Forwarded message ----------
                From: Backup System <backup@fs01.example.com>
                Date: Thu, 6 Mar 2025 02:00:13 +0100
                Subject: Backup job "Nightly" failed

                Job "Nightly" failed: volume D: is full (0 bytes free).
                """)
        let files = mail.attachments
        #expect(
            files.map(\.name) == [
                "image001.png", "Bildschirmfoto.png", "Prüfbericht März.pdf", "Änderungen für Größe.txt",
                "Zählerübersicht.csv", "passwd", "attachment.gif", "Backup job \"Nightly\" failed.eml",
            ])
        guard files.count == 8 else { return }
        let (logo, shot, pdf, changes, counts, passwd, gif, forwarded) = (
            files[0], files[1], files[2], files[3], files[4], files[5], files[6], files[7]
        )

        // The logo: inline by its disposition and shown by the HTML; under 16 KiB, a signature's.
        #expect(logo.bytes == Self.logo && logo.mediaType == "image/png")
        #expect(logo.isInline && logo.contentID == "image001.png@01DB1234")
        #expect(logo.isSignatureImage(below: 16_384))
        // The screenshot: no disposition, inline because the HTML shows it; far over 16 KiB, kept.
        #expect(shot.bytes == Self.screenshot && shot.size == 204_800)
        #expect(shot.isInline && !shot.isSignatureImage(below: 16_384))
        #expect(shot.isSignatureImage(below: 300_000), "the limit decides, nothing else")

        #expect(pdf.bytes == Self.pdf && pdf.mediaType == "application/pdf" && !pdf.isInline)
        #expect(!pdf.isSignatureImage(below: 1 << 30), "not an image")
        #expect(changes.bytes == Array("Größe: A4 -> A3\n".utf8), "quoted-printable undone, the charset left alone")
        #expect(changes.mediaType == "text/plain")
        #expect(counts.bytes.starts(with: Array("Drucker;Seiten".utf8)))
        #expect(passwd.bytes.starts(with: Array("root:x:0:0".utf8)), "named by its last component only")
        #expect(gif.mediaType == "image/gif" && gif.bytes.starts(with: Array("GIF89a".utf8)))
        #expect(!gif.isInline, "no disposition and shown by nothing: an attachment")
        // The forwarded message whole, its own text also in the mail's.
        #expect(forwarded.mediaType == "message/rfc822" && !forwarded.isInline)
        let eml = String(decoding: forwarded.bytes, as: UTF8.self)
        #expect(eml.contains("Subject: Backup job \"Nightly\" failed"), "\(eml)")
        #expect(eml.contains("Job \"Nightly\" failed: volume D: is full"))
        let reread = try InboundMail.parse(forwarded.bytes, hub: Corpus.hub)
        #expect(reread.messageID == "job-4711@fs01.example.com" && reread.from.address == "backup@fs01.example.com")
    }

    /// Apple Mail's shape: a plain alternative that merely names the file, and the file itself inside the
    /// HTML alternative, between two HTML parts; every file attached inline, with its name.
    static let appleMessage = """
        From: Lena Vogel <lena.vogel@example.com>
        To: help@it.example
        Subject: VPN-Fehler
        Message-ID: <apple-1@example.com>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="Apple-Mail=_A"

        --Apple-Mail=_A
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Das VPN bricht ab, das Protokoll hängt an.

        <vpn.log>

        Grüße, Lena
        --Apple-Mail=_A
        Content-Type: multipart/mixed; boundary="Apple-Mail=_B"

        --Apple-Mail=_B
        Content-Type: text/html; charset=utf-8

        <html><body>Das VPN bricht ab, das Protokoll hängt an.<br></body></html>
        --Apple-Mail=_B
        Content-Disposition: inline; filename=vpn.log
        Content-Type: text/plain; x-unix-mode=0644; name="vpn.log"
        Content-Transfer-Encoding: 7bit

        10:02 tunnel down: peer timeout
        --Apple-Mail=_B
        Content-Type: text/html; charset=utf-8

        <html><body><br>Grüße, Lena</body></html>
        --Apple-Mail=_B--

        --Apple-Mail=_A--

        """

    @Test("Apple Mail: the file inside the HTML alternative is kept, once, though the plain text is the text")
    func appleMail() throws {
        let mail = try InboundMail.parse(Array(Self.appleMessage.utf8), hub: Corpus.hub)
        #expect(mail.text == "Das VPN bricht ab, das Protokoll hängt an.\n\n<vpn.log>\n\nGrüße, Lena")
        #expect(
            mail.attachments == [
                MailAttachment(
                    name: "vpn.log", mediaType: "text/plain", bytes: Array("10:02 tunnel down: peer timeout".utf8),
                    isInline: true)
            ])
        #expect(mail.attachments.first?.isSignatureImage(below: 16_384) == false, "text, not a picture")
    }

    @Test("A named text part after the text is a file; an alternative of one part is the text in another form")
    func namedTextAndCalendar() throws {
        let message = """
            From: rita@customer.example
            Subject: Termin und Notizen
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="m"

            --m
            Content-Type: multipart/alternative; boundary="a"

            --a
            Content-Type: text/plain; charset=utf-8

            Einladung zum Termin.
            --a
            Content-Type: text/calendar; method=REQUEST; charset=utf-8

            BEGIN:VCALENDAR
            END:VCALENDAR
            --a--
            --m
            Content-Type: text/plain; charset=utf-8; name="notizen.txt"
            Content-Disposition: inline; filename="notizen.txt"

            Raum 3.14
            --m--

            """
        let mail = try InboundMail.parse(Array(message.utf8), hub: Corpus.hub)
        #expect(mail.text == "Einladung zum Termin.")
        #expect(mail.attachments.map(\.name) == ["notizen.txt"])
        #expect(mail.attachments.first?.bytes == Array("Raum 3.14".utf8))
    }

    @Test("A text file alone is the text; a message of text only has no files")
    func textOnly() throws {
        let named = """
            From: rita@customer.example
            Subject: Nur Text
            Content-Type: text/plain; charset=utf-8; name="nachricht.txt"
            Content-Disposition: inline; filename="nachricht.txt"

            Der Drucker ist leer.

            """
        let mail = try InboundMail.parse(Array(named.utf8), hub: Corpus.hub)
        #expect(mail.text == "Der Drucker ist leer." && mail.attachments.isEmpty)
        #expect(try Corpus.parse("gmail-reply.eml").attachments.isEmpty)
    }
}
