import SwarmFiles
import Testing

/// Media types as values, and which may be shown inline.
@Suite("Media types and the inline rule")
struct MediaTypeTests {
    @Test("parsing keeps the essence, in lower case, without parameters")
    func parsing() {
        #expect(MediaType("image/png")?.essence == "image/png")
        #expect(MediaType("IMAGE/PNG")?.essence == "image/png")
        #expect(MediaType(" text/plain ; charset=utf-8")?.essence == "text/plain")
        #expect(MediaType("application/vnd.openxmlformats-officedocument.wordprocessingml.document") != nil)
        #expect(MediaType("image/svg+xml")?.subtype == "svg+xml")
    }

    @Test(
        "what is not a media type is nil",
        arguments: ["", "png", "image/", "/png", "image/p ng", "image/png/x", "a/b\"c"])
    func notMediaTypes(text: String) {
        #expect(MediaType(text) == nil)
    }

    @Test(
        "inline: the raster images only",
        arguments: ["image/png", "image/jpeg", "image/gif", "image/webp", "Image/PNG"])
    func inline(text: String) throws {
        #expect(try #require(MediaType(text)).mayBeShownInline)
    }

    @Test(
        "never inline: SVG, HTML, XML, PDF and the rest",
        arguments: [
            "image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml", "application/pdf",
            "text/plain", "application/javascript", "image/bmp", "image/tiff", "image/x-icon", "image/heic",
            "application/octet-stream", "application/x-empty", "multipart/mixed",
        ])
    func notInline(text: String) throws {
        #expect(try !#require(MediaType(text)).mayBeShownInline)
    }
}
