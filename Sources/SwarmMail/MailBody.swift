import CGMime

/// The walk over a message's MIME tree that finds its text, its attachments and a delivery report.
///
/// The rules (docs/mail.md, "How the hub reads a message"): in `multipart/alternative` the `text/plain`
/// alternative is the text, else the HTML one turned into text; in every other multipart each inline
/// text part is text, in order, and everything else is an attachment; a forwarded `message/rfc822` part
/// adds its headers and its own text; `multipart/report` gives its human-readable part as text and its
/// `message/delivery-status` part as the report.
struct MailBody {
    /// The texts found, in order.
    private(set) var pieces: [String] = []
    /// The attachments found.
    private(set) var attachments: [MailAttachment] = []
    /// The delivery report, if the message is one.
    private(set) var deliveryReport: DeliveryReport?

    /// Deeper than this the walk stops: GMime itself allows 1024 levels, no real message has more than a
    /// handful, and a bound keeps a hostile message from costing more.
    static let maxDepth = 32

    /// The text: the pieces, a blank line between them.
    var text: String { pieces.filter { !$0.isEmpty }.joined(separator: "\n\n") }

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
        } else if let part = cgmime_as_part(object) {
            if type.isText, !isAttachment(part) {
                pieces.append(Self.text(of: part, type: type))
            } else {
                attachments.append(Self.attachment(part, type: type))
            }
        }
    }

    /// `multipart/alternative`: the plain text if there is any, else the last alternative that gives text
    /// (senders put the richest last; a `multipart/related` around HTML counts).
    private mutating func walkAlternative(_ children: [UnsafeMutablePointer<GMimeObject>], depth: Int) {
        if let plain = children.first(where: { child in
            let type = MediaType(child)
            return type.type == "text" && type.subtype == "plain"
                && cgmime_as_part(child).map { !isAttachment($0) } == true
        }), let part = cgmime_as_part(plain) {
            let text = Self.text(of: part, type: MediaType(plain))
            if !text.isEmpty {
                pieces.append(text)
                return
            }
        }
        for child in children.reversed() {
            var alternative = MailBody()
            alternative.walk(child, depth: depth + 1)
            if !alternative.text.isEmpty {
                pieces += alternative.pieces
                attachments += alternative.attachments
                return
            }
        }
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

    /// A forwarded message: its headers as a forwarding client would show them, then its text; its
    /// attachments are listed with the outer message's.
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
        attachments += inner.attachments
    }

    private func isAttachment(_ part: UnsafeMutablePointer<GMimePart>) -> Bool {
        g_mime_part_is_attachment(part) != 0
    }

    private static func attachment(_ part: UnsafeMutablePointer<GMimePart>, type: MediaType) -> MailAttachment {
        MailAttachment(
            filename: GMime.string(g_mime_part_get_filename(part)).map(MailHeaders.oneLine),
            mediaType: "\(type.type)/\(type.subtype)", size: Int(cgmime_part_decoded_size(part)))
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
