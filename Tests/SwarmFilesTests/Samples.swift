/// Small files of each kind the tests sniff, as bytes: real headers, just enough body for libmagic.
enum Samples {
    /// A 1×1 PNG (a red pixel), whole: signature, IHDR, IDAT, IEND.
    static let png: [UInt8] = hex(
        "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc000"
            + "0003010100c9fe92ef0000000049454e44ae426082")

    /// The start of a JFIF JPEG: SOI, the APP0 segment, EOI.
    static let jpeg: [UInt8] =
        [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8)
        + [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9]

    /// A 1×1 GIF.
    static let gif: [UInt8] = Array("GIF89a".utf8) + [0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x3B]

    /// A lossless WebP's RIFF header and start.
    static let webp: [UInt8] =
        Array("RIFF".utf8) + [0x1A, 0x00, 0x00, 0x00] + Array("WEBPVP8L".utf8)
        + [0x0D, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0x00]

    /// A minimal PDF.
    static let pdf = Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)

    /// A line of German text.
    static let text = Array("Der Drucker im 3. Stock druckt nur leere Seiten.\nBitte um Rückruf.\n".utf8)

    /// A page with a script — what an upload named `screenshot.png` may really be.
    static let html = Array("<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n".utf8)

    /// An SVG with a script: an image to its name, a document with JavaScript to a browser.
    static let svg = Array(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>

        """.utf8)

    /// An XML document.
    static let xml = Array("<?xml version=\"1.0\"?>\n<note><to>Hilfe</to></note>\n".utf8)

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
