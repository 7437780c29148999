/// A media type's essence, `type/subtype`, in lower case and without parameters: what the hub decides by.
///
/// Decisions about an attachment — may a browser show it inline? — are made on the type the hub sniffed
/// from the bytes (``MediaSniffer``), never on the one the uploader declared or the file name suggests.
package struct MediaType: Sendable, Hashable, CustomStringConvertible {
    /// The top-level type, `image` in `image/png`.
    package let type: String
    /// The subtype, `png` in `image/png`.
    package let subtype: String

    /// Parses `type/subtype`, with or without parameters (`text/plain; charset=utf-8`), in any case;
    /// `nil` when either part is missing or is not an RFC 9110 token.
    package init?(_ text: some StringProtocol) {
        let essence = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = essence.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let type = parts[0].trimmingASCIIWhitespace().lowercased()
        let subtype = parts[1].trimmingASCIIWhitespace().lowercased()
        guard Self.isToken(type), Self.isToken(subtype) else { return nil }
        self.type = type
        self.subtype = subtype
    }

    private init(type: String, subtype: String) {
        self.type = type
        self.subtype = subtype
    }

    /// `type/subtype`.
    package var essence: String { "\(type)/\(subtype)" }

    package var description: String { essence }

    /// Bytes of no known type; the safe answer when sniffing finds nothing better.
    package static let octetStream = MediaType(type: "application", subtype: "octet-stream")
    /// PNG.
    package static let png = MediaType(type: "image", subtype: "png")
    /// JPEG.
    package static let jpeg = MediaType(type: "image", subtype: "jpeg")
    /// GIF.
    package static let gif = MediaType(type: "image", subtype: "gif")
    /// WebP.
    package static let webp = MediaType(type: "image", subtype: "webp")

    /// The types a browser may be given with `Content-Disposition: inline`: raster images, which a browser
    /// only ever paints.
    ///
    /// Nothing else: SVG and HTML run scripts in the hub's origin, XML can be styled into HTML, and a PDF
    /// viewer runs JavaScript and forms. Everything else is for download only (`attachment`).
    package static let inlineImages: Set<MediaType> = [.png, .jpeg, .gif, .webp]

    /// Whether a browser may show this type inline (``inlineImages``).
    package var mayBeShownInline: Bool { Self.inlineImages.contains(self) }

    /// RFC 9110's `token`: visible ASCII but the separators.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(HeaderParameters.isTokenByte)
    }
}

extension StringProtocol {
    /// The text without spaces and tabs at either end.
    func trimmingASCIIWhitespace() -> SubSequence {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
