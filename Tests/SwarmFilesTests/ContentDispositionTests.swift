import SwarmFiles
import Testing

/// The `Content-Disposition` value an attachment is served with (RFC 6266, RFC 8187).
@Suite("Content-Disposition")
struct ContentDispositionTests {
    @Test("German umlauts: accents dropped in the ASCII name, UTF-8 percent-encoded in filename*")
    func umlauts() {
        #expect(
            ContentDisposition.value(filename: "Prüfbericht März.pdf")
                == "attachment; filename=\"Prufbericht Marz.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%20M%C3%A4rz.pdf")
        #expect(
            ContentDisposition.value(filename: "Größe.txt")
                == "attachment; filename=\"Gro_e.txt\"; filename*=UTF-8''Gr%C3%B6%C3%9Fe.txt")
    }

    @Test("Japanese: the ASCII name is attachment with the extension, filename* the name itself")
    func japanese() {
        #expect(
            ContentDisposition.value(filename: "見積書.pdf")
                == "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf")
        #expect(
            ContentDisposition.value(filename: "見積書 v2.pdf")
                == "attachment; filename=\"_ v2.pdf\"; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8%20v2.pdf")
    }

    @Test("quotes, backslashes and percent signs never reach the quoted name")
    func quoting() {
        #expect(
            ContentDisposition.value(filename: "say \"hi\" 100%.txt")
                == "attachment; filename=\"say _hi_ 100_.txt\"; filename*=UTF-8''say%20%22hi%22%20100%25.txt")
    }

    @Test("the name is made safe first: no path, no override")
    func sanitised() {
        #expect(
            ContentDisposition.value(filename: "../../etc/passwd")
                == "attachment; filename=\"passwd\"; filename*=UTF-8''passwd")
        #expect(
            ContentDisposition.value(filename: "invoice\u{202E}gpj.exe")
                == "attachment; filename=\"invoicegpj.exe\"; filename*=UTF-8''invoicegpj.exe")
        #expect(
            ContentDisposition.value(filename: "")
                == "attachment; filename=\"attachment\"; filename*=UTF-8''attachment")
    }

    @Test("inline, for the images that may be shown")
    func inline() {
        #expect(
            ContentDisposition.value(.inline, filename: "Bildschirmfoto.png")
                == "inline; filename=\"Bildschirmfoto.png\"; filename*=UTF-8''Bildschirmfoto.png")
    }

    @Test("any name gives a header value of printable ASCII without a line break")
    func anyName() {
        var random = SplitMix(seed: 6266)
        let pool: [Unicode.Scalar] = [
            "a", ".", "/", "\\", " ", "\u{0}", "\r", "\n", "\u{202E}", "ü", "ß", "日", "👍", "\"", "%", ";", "'", "*",
        ]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 80) { scalars.append(pool[Int(random.next() % UInt64(pool.count))]) }
            let value = ContentDisposition.value(filename: String(scalars))
            #expect(value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(value.debugDescription)")
            let quoted = value.split(separator: "\"")
            #expect(quoted.count == 3, "one quoted name, no quote inside it: \(value)")
        }
    }
}
