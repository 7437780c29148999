import NIOCore
import SwarmFiles
import Testing

/// What libmagic says files are, from their bytes alone.
@Suite("Sniffing media types with libmagic")
struct MediaSnifferTests {
    let sniffer: MediaSniffer

    init() throws {
        sniffer = try MediaSniffer()
    }

    @Test(
        "each kind of file is what its bytes say",
        arguments: [
            ("png", Samples.png, "image/png"),
            ("jpeg", Samples.jpeg, "image/jpeg"),
            ("gif", Samples.gif, "image/gif"),
            ("webp", Samples.webp, "image/webp"),
            ("pdf", Samples.pdf, "application/pdf"),
            ("text", Samples.text, "text/plain"),
            ("html", Samples.html, "text/html"),
            ("svg", Samples.svg, "image/svg+xml"),
            ("xml", Samples.xml, "text/xml"),
        ])
    func kinds(name: String, bytes: [UInt8], expected: String) {
        #expect(sniffer.mediaType(of: bytes).essence == expected, "\(name)")
    }

    @Test("a page uploaded as screenshot.png is text/html, and not shown inline")
    func htmlNamedPNG() {
        // The sniffer never sees the name: that is the point. The upload's name and declared type say PNG.
        let type = sniffer.mediaType(of: Samples.html)
        #expect(type.essence == "text/html")
        #expect(!type.mayBeShownInline)
    }

    @Test("an SVG is image/svg+xml, and not shown inline")
    func svgIsNotInline() {
        let type = sniffer.mediaType(of: Samples.svg)
        #expect(type.essence == "image/svg+xml")
        #expect(!type.mayBeShownInline)
    }

    @Test("the raster images are shown inline; a PDF, text and XML are not")
    func inlineFromSniffing() {
        for bytes in [Samples.png, Samples.jpeg, Samples.gif, Samples.webp] {
            #expect(sniffer.mediaType(of: bytes).mayBeShownInline)
        }
        for bytes in [Samples.pdf, Samples.text, Samples.xml] {
            #expect(!sniffer.mediaType(of: bytes).mayBeShownInline)
        }
    }

    @Test("only the first 64 KiB are read: a PNG's start followed by a megabyte is a PNG")
    func prefixOnly() {
        let large = Samples.png + [UInt8](repeating: 0x41, count: 1 << 20)
        #expect(sniffer.mediaType(of: large) == .png)
        #expect(sniffer.mediaType(of: ByteBuffer(bytes: large)) == .png)
    }

    @Test("no bytes are application/x-empty, never an image")
    func empty() {
        let type = sniffer.mediaType(of: [UInt8]())
        #expect(type.essence == "application/x-empty")
        #expect(!type.mayBeShownInline)
    }

    @Test("the readable bytes of a ByteBuffer are sniffed, not what was read before")
    func byteBufferReadableBytes() {
        var buffer = ByteBuffer(bytes: Samples.html + Samples.png)
        buffer.moveReaderIndex(forwardBy: Samples.html.count)
        #expect(sniffer.mediaType(of: buffer) == .png)
    }

    @Test("two handles shared by 64 concurrent tasks: every answer right")
    func concurrentUse() async throws {
        let shared = try MediaSniffer(handles: 2)
        let samples: [([UInt8], String)] = [
            (Samples.png, "image/png"), (Samples.pdf, "application/pdf"), (Samples.html, "text/html"),
            (Samples.svg, "image/svg+xml"),
        ]
        let wrong = await withTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<50 {
                        let (bytes, expected) = samples[(task + round) % samples.count]
                        if shared.mediaType(of: bytes).essence != expected { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
    }

    @Test("a database libmagic cannot load is an error when the sniffer is made")
    func missingDatabase() {
        #expect(throws: MediaSnifferError.self) { try MediaSniffer(database: "/nonexistent/magic.mgc") }
    }
}
