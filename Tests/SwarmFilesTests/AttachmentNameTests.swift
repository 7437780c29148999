import SwarmFiles
import Testing

/// Safe names from whatever the uploader's client sent.
@Suite("Attachment names made safe")
struct AttachmentNameTests {
    @Test(
        "the cases, and what each becomes",
        arguments: [
            ("../../etc/passwd", "passwd"),
            ("/etc/passwd", "passwd"),
            ("..\\..\\Windows\\System32\\cmd.exe", "cmd.exe"),
            ("C:\\Users\\jmueller\\Desktop\\Bericht.pdf", "Bericht.pdf"),
            ("logs/", "logs"),
            ("a\u{0}b.txt", "ab.txt"),
            ("evil.php\u{0}.jpg", "evil.php.jpg"),
            ("line\r\nbreak\t.txt", "linebreak.txt"),
            ("bell\u{7}\u{7F}\u{85}\u{9B}.txt", "bell.txt"),
            ("invoice\u{202E}gpj.exe", "invoicegpj.exe"),
            ("\u{202A}\u{202B}\u{202C}\u{202D}x\u{202E}.pdf", "x.pdf"),
            ("\u{2066}\u{2067}\u{2068}report\u{2069}.pdf", "report.pdf"),
            ("\u{200F}mark\u{200E}\u{061C}.txt", "mark.txt"),
            ("para\u{2028}graph\u{2029}.txt", "paragraph.txt"),
            (".htaccess", "htaccess"),
            ("..", "attachment"),
            ("...", "attachment"),
            (". . .bashrc", "bashrc"),
            ("", "attachment"),
            ("   ", "attachment"),
            ("\u{0}\u{202E}", "attachment"),
            ("  Drucker Fehler .pdf  ", "Drucker Fehler .pdf"),
            ("Pru\u{0308}fbericht.pdf", "Prüfbericht.pdf"),
            ("見積書 2026.xlsx", "見積書 2026.xlsx"),
            ("say \"hi\" 100%.txt", "say \"hi\" 100%.txt"),
        ])
    func cases(name: String, expected: String) {
        #expect(AttachmentName.sanitize(name) == expected)
    }

    @Test("300 characters are cut to at most 255 bytes between characters, the extension kept")
    func long() {
        let ascii = AttachmentName.sanitize(String(repeating: "a", count: 300) + ".pdf")
        #expect(ascii.utf8.count == 255)
        #expect(ascii.hasSuffix("a.pdf"))

        // Two bytes a character: 125 of them and ".pdf" fill 254 bytes; a 126th would not fit.
        let accented = AttachmentName.sanitize(String(repeating: "é", count: 300) + ".pdf")
        #expect(accented == String(repeating: "é", count: 125) + ".pdf")

        // One character of four scalars and 8 bytes (a thumb with a skin tone): never split.
        let emoji = AttachmentName.sanitize(String(repeating: "👍🏽", count: 300) + ".png")
        #expect(emoji == String(repeating: "👍🏽", count: 31) + ".png")
        #expect(emoji.utf8.count <= 255)

        let japanese = AttachmentName.sanitize(String(repeating: "日本語", count: 100))
        #expect(japanese == String(repeating: "日本語", count: 28) + "日")  // 85 characters × 3 bytes

        // An "extension" longer than any real one is cut as part of the name.
        let longExtension = AttachmentName.sanitize("x." + String(repeating: "b", count: 300))
        #expect(longExtension.utf8.count == 255)
        #expect(longExtension.hasPrefix("x.bbb"))

        // A first character longer than the room before the extension leaves the fallback name.
        let pile = "a" + String(repeating: "\u{0301}", count: 200)
        #expect(AttachmentName.sanitize(pile + ".txt") == "attachment.txt")
    }

    @Test("any name: safe by every rule, and sanitising it again changes nothing")
    func anyName() {
        var random = SplitMix(seed: 28)
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", ".", ".", "/", "\\", " ", "\u{0}", "\n", "\u{7F}", "\u{9F}", "\u{202E}", "\u{2067}",
            "\u{200F}", "\u{2028}", "ü", "u", "\u{0308}", "日", "👍", "\u{1F3FD}", "\"", "%", ":", "-",
        ]
        for _ in 0..<3000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 400) { scalars.append(pool[Int(random.next() % UInt64(pool.count))]) }
            let name = AttachmentName.sanitize(String(scalars))
            #expect(!name.isEmpty)
            #expect(name.utf8.count <= 255)
            #expect(!name.hasPrefix("."))
            #expect(!name.contains("/") && !name.contains("\\"))
            #expect(name.unicodeScalars.allSatisfy { !Self.forbidden($0) }, "\(name.debugDescription)")
            #expect(AttachmentName.sanitize(name) == name, "\(String(scalars).debugDescription)")
        }
    }

    static func forbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value)
            || [0x200E, 0x200F, 0x061C, 0x2028, 0x2029].contains(scalar.value)
    }
}

/// A small seeded generator, so that the random names are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
