import CGMime
import SwarmFiles

/// The walk over a message's MIME tree that finds its text, its files and a delivery report.
///
/// The rules (docs/mail.md, "How the hub reads a message"): in `multipart/alternative` the `text/plain`
/// alternative is the text, else the HTML one turned into text, and the files inside the other
/// alternatives are kept too; in every other multipart each inline text part is text, in order, unless it
/// has a file name and text came before it, and everything else is a file; a forwarded `message/rfc822`
/// part adds its headers and its own text, and is a file of its own (`.eml`); `multipart/report` gives its
/// human-readable part as text and its `message/delivery-status` part as the report.
struct MailBody {
    /// The texts found, in order.
    private(set) var pieces: [String] = []
    /// The files found, in order.
    private(set) var attachments: [MailAttachment] = []
    /// The `Content-ID`s the HTML parts refer to as `cid:` (lowercased): the pictures shown in the text.
    private(set) var referencedContentIDs: Set<String> = []
    /// The delivery report, if the message is one.
    private(set) var deliveryReport: DeliveryReport?

    /// Deeper than this the walk stops: GMime itself allows 1024 levels, no real message has more than a
    /// handful, and a bound keeps a hostile message from costing more.
    static let maxDepth = 32

    /// The text: the pieces, a blank line between them.
    var text: String { pieces.filter { !$0.isEmpty }.joined(separator: "\n\n") }

    /// The files, each marked inline when an HTML part shows it by its `Content-ID`.
    var files: [MailAttachment] {
        attachments.map { file in
            var file = file
            if let id = file.contentID?.lowercased(), referencedContentIDs.contains(id) { file.isInline = true }
            return file
        }
    }

    /// Walks one MIME object (the message's top part, or any part below it).
    mutating func walk(_ object: UnsafeMutablePointer<GMimeObject>, depth: Int) {
        guard depth < Self.maxDepth else { return }
        let type = MediaType(object)
        if let multipart = cgmime_as_multipart(object) {
            let children = (0..<max(0, Int(g_mime_multipart_get_count(multipart)))).compactMap {
                g_mime_multipart_get_part(multipart, Int32($0))
            }
            switch type.subtype {
            case "alternative": walkAlternative(children, depth: depth)
            case "report": walkReport(children, reportType: type.parameter(object, "report-type"), depth: depth)
            // The second part of a signed message is the signature, not content.
            case "signed": if let first = children.first { walk(first, depth: depth + 1) }
            default: for child in children { walk(child, depth: depth + 1) }
            }
        } else if let messagePart = cgmime_as_message_part(object) {
            guard let inner = g_mime_message_part_get_message(messagePart) else { return }
            walkForwarded(inner, depth: depth)
            attachments.append(Self.forwardedFile(object, message: inner, type: type))
        } else if let part = cgmime_as_part(object) {
            // A named text part after the text is a file the sender attached inline (Apple Mail does so
            // with every file); before any text, or without a name, it is the text.
            let isNamedFile = g_mime_part_get_filename(part) != nil && !pieces.isEmpty
            if type.isText, !isAttachment(part), !isNamedFile {
                let (text, references) = Self.textAndReferences(of: part, type: type)
                pieces.append(text)
                referencedContentIDs.formUnion(references)
            } else {
                attachments.append(Self.file(part, type: type))
            }
        }
    }

    /// `multipart/alternative`: the plain text if there is any, else the last alternative that gives text
    /// (senders put the richest last; a `multipart/related` around HTML counts). The files inside the
    /// other alternatives are kept as well: Apple Mail puts a pasted picture or an attached file in the
    /// HTML alternative only, beside a plain one that merely names it. An alternative that is itself one
    /// part (`text/enriched`, Outlook's `text/calendar`) is the same message in another form, not a file.
    private mutating func walkAlternative(_ children: [UnsafeMutablePointer<GMimeObject>], depth: Int) {
        var chosen: Int?
        if let index = children.firstIndex(where: { child in
            let type = MediaType(child)
            return type.type == "text" && type.subtype == "plain"
                && cgmime_as_part(child).map { !isAttachment($0) } == true
        }), let part = cgmime_as_part(children[index]) {
            let text = Self.text(of: part, type: MediaType(children[index]))
            if !text.isEmpty {
                pieces.append(text)
                chosen = index
            }
        }
        if chosen == nil {
            for index in children.indices.reversed() {
                var alternative = MailBody()
                alternative.walk(children[index], depth: depth + 1)
                if !alternative.text.isEmpty {
                    take(alternative, text: true)
                    chosen = index
                    break
                }
            }
        }
        for index in children.indices where index != chosen {
            let child = children[index]
            let type = MediaType(child)
            if cgmime_as_multipart(child) != nil {
                var other = MailBody()
                other.walk(child, depth: depth + 1)
                take(other, text: false)
            } else if type.type == "text", type.subtype == "html", let part = cgmime_as_part(child) {
                // Outlook's HTML alternative shows the pictures of the `multipart/related` around it.
                referencedContentIDs.formUnion(
                    Self.contentIDReferences(in: Self.decodedText(part, charset: type.parameter(child, "charset"))))
            }
        }
    }

    /// Takes what a walk of a part below found: its files (one already found, byte for byte and by name,
    /// once), the pictures its HTML shows, and its text when `text` says so.
    private mutating func take(_ other: MailBody, text: Bool) {
        if text { pieces += other.pieces }
        for file in other.attachments where !attachments.contains(file) { attachments.append(file) }
        referencedContentIDs.formUnion(other.referencedContentIDs)
    }

    /// `multipart/report`: text parts as usual; with `report-type=delivery-status`, the
    /// `message/delivery-status` part read as the report and the returned headers for the original id.
    private mutating func walkReport(_ children: [UnsafeMutablePointer<GMimeObject>], reportType: String?, depth: Int) {
        guard reportType?.lowercased() == "delivery-status" else {
            for child in children { walk(child, depth: depth + 1) }
            return
        }
        var failed: [DeliveryReport.FailedRecipient] = []
        var originalID: String?
        for child in children {
            let type = MediaType(child)
            switch (type.type, type.subtype) {
            case ("message", "delivery-status"), ("message", "global-delivery-status"):
                if let part = cgmime_as_part(child) {
                    failed += DeliveryStatus.failedRecipients(Self.decodedText(part, charset: "utf-8"))
                }
            case ("text", "rfc822-headers"):
                // The returned headers are read by GMime as a message of headers only.
                if let part = cgmime_as_part(child) {
                    let headers = Array(Self.decodedText(part, charset: "utf-8").utf8) + Array("\n\n".utf8)
                    originalID = headers.withUnsafeBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { chars in
                            guard let message = cgmime_parse_message(chars.baseAddress, chars.count) else {
                                return nil as String?
                            }
                            defer { g_object_unref(message) }
                            return MailHeaders.messageID(GMime.string(g_mime_message_get_message_id(message)))
                        }
                    }
                }
            case ("message", "rfc822"), ("message", "global"):
                if let messagePart = cgmime_as_message_part(child),
                    let inner = g_mime_message_part_get_message(messagePart)
                {
                    originalID = MailHeaders.messageID(GMime.string(g_mime_message_get_message_id(inner)))
                }
            default:
                walk(child, depth: depth + 1)
            }
        }
        deliveryReport = DeliveryReport(failed: failed, originalMessageID: originalID)
    }

    /// A forwarded message: its headers as a forwarding client would show them, then its text. Its own
    /// files stay inside it: the forwarded message is kept whole as a file (``forwardedFile(_:message:type:)``),
    /// so they are not kept twice.
    private mutating func walkForwarded(_ message: UnsafeMutablePointer<GMimeMessage>, depth: Int) {
        let object = cgmime_object(message)
        var lines = ["---------- Forwarded message ----------"]
        if let from = MailHeaders.mailboxes(g_mime_message_get_from(message)).first {
            lines.append("From: \(from)")
        }
        if let date = InboundMail.header(object, "Date") { lines.append("Date: \(MailHeaders.oneLine(date))") }
        if let subject = GMime.string(g_mime_message_get_subject(message)) {
            lines.append("Subject: \(MailHeaders.oneLine(subject))")
        }
        var inner = MailBody()
        if let root = g_mime_message_get_mime_part(message) { inner.walk(root, depth: depth + 1) }
        pieces.append(lines.joined(separator: "\n") + (inner.text.isEmpty ? "" : "\n\n" + inner.text))
    }

    private func isAttachment(_ part: UnsafeMutablePointer<GMimePart>) -> Bool {
        g_mime_part_is_attachment(part) != 0
    }

    /// A leaf part as a file: its name made safe, its content decoded, its placement.
    private static func file(_ part: UnsafeMutablePointer<GMimePart>, type: MediaType) -> MailAttachment {
        let object = cgmime_object(part)
        let mediaType = "\(type.type)/\(type.subtype)"
        var converted: gboolean = 0
        return MailAttachment(
            name: fileName(GMime.string(g_mime_part_get_filename(part)), mediaType: mediaType),
            mediaType: mediaType, bytes: GMime.takeBytes(cgmime_part_content(part, nil, &converted)),
            isInline: isInlineDisposition(object), contentID: contentID(object))
    }

    /// A forwarded message as a file: the message as GMime writes it out, named by the part's file name or
    /// its subject, `.eml`.
    private static func forwardedFile(
        _ object: UnsafeMutablePointer<GMimeObject>, message: UnsafeMutablePointer<GMimeMessage>, type: MediaType
    ) -> MailAttachment {
        let given =
            GMime.string(g_mime_object_get_content_disposition_parameter(object, "filename"))
            ?? type.parameter(object, "name")
        let subject = GMime.string(g_mime_message_get_subject(message)).map(MailHeaders.oneLine) ?? ""
        let name =
            given.map { fileName($0, mediaType: "message/rfc822") }
            ?? AttachmentName.sanitize((subject.isEmpty ? "forwarded" : subject) + ".eml")
        return MailAttachment(
            name: name, mediaType: "message/rfc822",
            bytes: GMime.takeBytes(cgmime_object_bytes(cgmime_object(message))),
            isInline: isInlineDisposition(object), contentID: contentID(object))
    }

    /// A file name as kept: the sender's on one line and made safe, else `attachment` with the extension of
    /// its type.
    static func fileName(_ given: String?, mediaType: String) -> String {
        let name = given.map(MailHeaders.oneLine) ?? ""
        guard !name.isEmpty else { return AttachmentName.fallback + MailAttachment.fallbackExtension(of: mediaType) }
        return AttachmentName.sanitize(name)
    }

    /// Whether the part says `Content-Disposition: inline`.
    private static func isInlineDisposition(_ object: UnsafeMutablePointer<GMimeObject>?) -> Bool {
        GMime.string(g_mime_object_get_disposition(object))?.lowercased() == "inline"
    }

    /// The part's `Content-ID`, without angle brackets; nil when it has none.
    private static func contentID(_ object: UnsafeMutablePointer<GMimeObject>?) -> String? {
        MailHeaders.messageID(GMime.string(g_mime_object_get_content_id(object)))
    }

    /// A text part as text, and for HTML the `Content-ID`s it shows (`src="cid:…"`), lowercased.
    static func textAndReferences(of part: UnsafeMutablePointer<GMimePart>, type: MediaType) -> (String, Set<String>) {
        guard type.subtype == "html" else { return (text(of: part, type: type), []) }
        let raw = decodedText(part, charset: type.parameter(cgmime_object(part), "charset"))
        return (HTMLText.text(fromHTML: raw), contentIDReferences(in: raw))
    }

    /// The `cid:` URLs of an HTML text (RFC 2392), percent-decoded and lowercased: the ids of the parts it
    /// shows in place.
    static func contentIDReferences(in html: String) -> Set<String> {
        var ids = Set<String>()
        let scalars = Array(html.unicodeScalars)
        var index = 0
        while index + 4 <= scalars.count {
            defer { index += 1 }
            guard scalars[index] == "c" || scalars[index] == "C",
                String(String.UnicodeScalarView(scalars[index..<index + 4])).lowercased() == "cid:",
                index == 0 || !(scalars[index - 1].properties.isAlphabetic || scalars[index - 1] == "-")
            else { continue }
            var end = index + 4
            while end < scalars.count, !"\"' <>)\n\r\t".unicodeScalars.contains(scalars[end]) { end += 1 }
            let id = String(String.UnicodeScalarView(scalars[index + 4..<end]))
            let decoded = percentDecoded(id).lowercased()
            if !decoded.isEmpty { ids.insert(decoded) }
            index = end - 1
        }
        return ids
    }

    /// `%3C`-style escapes undone (a `cid:` URL may carry them); bytes that do not make UTF-8 are repaired.
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A text part as text: decoded, in UTF-8, LF line ends, `format=flowed` lines joined, HTML turned
    /// into text.
    static func text(of part: UnsafeMutablePointer<GMimePart>, type: MediaType) -> String {
        let object = cgmime_object(part)
        let raw = decodedText(part, charset: type.parameter(object, "charset"))
        if type.subtype == "html" { return HTMLText.text(fromHTML: raw) }
        let plain =
            type.parameter(object, "format")?.lowercased() == "flowed"
            ? FlowedText.unflow(raw, deleteSpace: type.parameter(object, "delsp")?.lowercased() == "yes") : raw
        return plain.trimmingWhitespace()
    }

    /// A part's content, transfer encoding undone, in UTF-8 with LF line ends.
    ///
    /// GMime converts from the declared charset through iconv. A charset iconv does not know, none, or a
    /// declared UTF-8/ASCII that is not valid UTF-8 (common in mail from old scripts) is read as UTF-8 if
    /// the bytes are valid UTF-8, else as Windows-1252 — which every byte is, so a person can still read
    /// the Latin-1 text most such mail holds.
    static func decodedText(_ part: UnsafeMutablePointer<GMimePart>, charset: String?) -> String {
        let declared = charset?.trimmingWhitespace().lowercased()
        let isUnicodeOrASCII = declared.map { ["utf-8", "utf8", "us-ascii", "ascii", ""].contains($0) } ?? true
        var converted: gboolean = 0
        let bytes = GMime.takeBytes(
            isUnicodeOrASCII
                ? cgmime_part_content(part, nil, &converted)
                : declared!.withCString { cgmime_part_content(part, $0, &converted) })
        let text = String(validating: bytes, as: UTF8.self) ?? Windows1252.decode(bytes)
        return Windows1252.replacingC1Controls(normalizedLineEnds(text))
    }

    /// CRLF and lone CR made LF; NUL bytes, which no text has, dropped.
    static func normalizedLineEnds(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": result.append("\n")
            case "\n": if !previousCR { result.append("\n") }
            case "\u{0}": break
            default: result.append(scalar)
            }
            previousCR = scalar == "\r"
        }
        return String(result)
    }
}

/// A MIME object's media type, lowercased, and access to its parameters.
struct MediaType {
    /// `text`, `multipart`, …
    let type: String
    /// `plain`, `html`, `alternative`, …
    let subtype: String

    init(_ object: UnsafeMutablePointer<GMimeObject>) {
        let contentType = g_mime_object_get_content_type(object)
        type = GMime.string(g_mime_content_type_get_media_type(contentType))?.lowercased() ?? "text"
        subtype = GMime.string(g_mime_content_type_get_media_subtype(contentType))?.lowercased() ?? "plain"
    }

    /// A parameter of the object's `Content-Type`, decoded.
    func parameter(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String) -> String? {
        GMime.string(g_mime_object_get_content_type_parameter(object, name))
    }

    /// Whether the part is text a person wrote: `text/plain` or `text/html` (`text/enriched`,
    /// `text/calendar` and the rest are attachments).
    var isText: Bool {
        type == "text" && (subtype == "plain" || subtype == "html")
    }
}
