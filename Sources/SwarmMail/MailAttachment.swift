/// A file a message carries: an attachment, an inline picture, a forwarded message — its name, its bytes,
/// and how the sender placed it (docs/mail.md, "Files in").
package struct MailAttachment: Sendable, Hashable {
    /// The file name, made safe (``AttachmentName/sanitize(_:)``) from the one the sender gave — the
    /// `filename` of `Content-Disposition`, else the `name` of `Content-Type`, decoded from RFC 2231 or
    /// RFC 2047 by GMime. A part without one is `attachment` with the extension of its type
    /// (`attachment.png`); a forwarded message without one is its subject with `.eml`.
    package var name: String
    /// The media type the sender declared, lowercased (`application/pdf`). Only a hint: the hub sniffs the
    /// bytes for the type it keeps.
    package var mediaType: String
    /// The content, its transfer encoding (base64, quoted-printable) undone; a forwarded message as
    /// GMime writes it out.
    package var bytes: [UInt8]
    /// Whether the sender placed it in the text rather than beside it: `Content-Disposition: inline`, or
    /// referenced from an HTML part as `cid:`.
    package var isInline: Bool
    /// The `Content-ID`, without angle brackets, if the part has one.
    package var contentID: String?

    /// The size of ``bytes``.
    package var size: Int { bytes.count }

    /// Creates a file entry.
    package init(name: String, mediaType: String, bytes: [UInt8], isInline: Bool = false, contentID: String? = nil) {
        self.name = name
        self.mediaType = mediaType
        self.bytes = bytes
        self.isInline = isInline
        self.contentID = contentID
    }

    /// Whether this is a signature's picture — a logo, a social-media icon — rather than a file the sender
    /// meant: an inline image of fewer than `limit` bytes. Such pictures come with every mail of their
    /// sender and say nothing about the problem; a screenshot is larger (docs/mail.md).
    package func isSignatureImage(below limit: Int) -> Bool {
        isInline && mediaType.hasPrefix("image/") && size < limit
    }

    /// The extension a file of `mediaType` is given when its part has no name.
    static func fallbackExtension(of mediaType: String) -> String {
        switch mediaType {
        case "image/png": ".png"
        case "image/jpeg", "image/jpg", "image/pjpeg": ".jpg"
        case "image/gif": ".gif"
        case "image/webp": ".webp"
        case "image/bmp": ".bmp"
        case "image/tiff": ".tif"
        case "application/pdf": ".pdf"
        case "application/zip": ".zip"
        case "application/gzip": ".gz"
        case "text/plain": ".txt"
        case "text/html": ".html"
        case "text/csv": ".csv"
        case "text/calendar": ".ics"
        case "message/rfc822", "message/global": ".eml"
        default: ""
        }
    }
}
