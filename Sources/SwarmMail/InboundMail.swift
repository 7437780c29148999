import CGMime
package import SwarmProtocol

/// One incoming message, read: what the hub needs to open a ticket, comment on one, or ignore it.
///
/// Made by ``parse(_:hub:)`` from the raw RFC 5322 bytes a mail system hands the hub. GMime reads the
/// MIME structure, charsets, transfer encodings and encoded words; this type only chooses among what
/// GMime found (docs/mail.md, "How the hub reads a message").
package struct InboundMail: Sendable, Hashable {
    /// `Message-ID` without angle brackets; nil if the message has none. The hub's key for "the same
    /// message delivered twice".
    package var messageID: String?
    /// The first id of `In-Reply-To`, without angle brackets.
    package var inReplyTo: String?
    /// The ids of `References`, oldest first, without angle brackets. At most ``maxReferences``: the
    /// first (the thread's root) and the latest, which are what threading needs.
    package var references: [String]
    /// The sender: the first mailbox of `From`, its address lowercased.
    package var from: MailAddress
    /// The mailboxes of `To` (groups flattened), addresses lowercased.
    package var to: [MailAddress]
    /// The mailboxes of `Cc`.
    package var cc: [MailAddress]
    /// The subject, encoded words decoded, whitespace runs made one space; empty if none.
    package var subject: String
    /// The `Date` header, if it could be read.
    package var date: Timestamp?
    /// The whole body as text (see docs/mail.md for which part that is), LF line ends.
    package var text: String
    /// The new part of ``text``: quoted lines, the quoted message after a reply header, and the
    /// signature removed. Never empty when ``text`` is not: if nothing would be left it is the text.
    package var reply: String
    /// Why the message is automatic, or nil if a person sent it.
    package var automatic: AutomaticKind?
    /// The delivery-status report, when the message is one.
    package var deliveryReport: DeliveryReport?
    /// The ticket named in the subject as `[T-42]`, as `T-42`.
    package var ticketTag: String?
    /// The files the message carries, in the order they appear: attachments, inline pictures (a
    /// signature's among them: ``MailAttachment/isSignatureImage(below:)`` tells), forwarded messages.
    /// The position in this list is a file's index, the same for the same bytes.
    package var attachments: [MailAttachment]
    /// `Content-Language` (`de`, `en-GB`), the first tag, if the message has one.
    package var language: String?

    /// How many `References` ids are kept (the first and the latest ones).
    package static let maxReferences = 100

    /// Every id this message names as the one it answers: `In-Reply-To` then `References`, newest first,
    /// without repeats. The hub looks these up among the Message-IDs it sent.
    package var threadMessageIDs: [String] {
        var seen = Set<String>()
        return ([inReplyTo].compactMap { $0 } + references.reversed()).filter { seen.insert($0).inserted }
    }

    /// Reads a message.
    ///
    /// - Parameters:
    ///   - bytes: the message as the mail system handed it, LF or CRLF line ends.
    ///   - hub: who the hub is, to recognise its own mail coming back.
    /// - Throws: `MailError` `.empty`, `.notAMessage` (GMime finds no message or no header), `.noSender`
    ///   (no address in `From`). Anything else odd — a broken boundary, bad base64, an unknown charset, a
    ///   header 100 kB long — is read as well as it can be, never refused and never a crash.
    package static func parse(_ bytes: some Collection<UInt8>, hub: HubMailIdentity) throws(MailError) -> InboundMail {
        GMime.ensureInitialised()
        guard !bytes.isEmpty else { throw MailError(.empty, "the message is empty") }
        let message =
            bytes.withContiguousStorageIfAvailable { buffer in
                buffer.withMemoryRebound(to: CChar.self) { cgmime_parse_message($0.baseAddress, $0.count) }
            }
            ?? Array(bytes).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { cgmime_parse_message($0.baseAddress, $0.count) }
            }
        guard let message else { throw MailError(.notAMessage, "no RFC 5322 message could be read") }
        defer { g_object_unref(message) }
        return try read(message, hub: hub)
    }

    private static func read(_ message: UnsafeMutablePointer<GMimeMessage>, hub: HubMailIdentity) throws(MailError)
        -> InboundMail
    {
        let object = cgmime_object(message)
        guard let headers = g_mime_object_get_header_list(object), g_mime_header_list_get_count(headers) > 0 else {
            throw MailError(.notAMessage, "the message has no header")
        }
        guard let from = MailHeaders.mailboxes(g_mime_message_get_from(message)).first else {
            throw MailError(.noSender, "the message names no sender address in From")
        }
        let subject = MailHeaders.oneLine(GMime.string(g_mime_message_get_subject(message)) ?? "")
        var body = MailBody()
        if let root = g_mime_message_get_mime_part(message) {
            body.walk(root, depth: 0)
        }
        let text = body.text
        let references = MailHeaders.messageIDs(header(object, "References"))
        var mail = InboundMail(
            messageID: MailHeaders.messageID(GMime.string(g_mime_message_get_message_id(message))),
            inReplyTo: MailHeaders.messageIDs(header(object, "In-Reply-To")).first,
            references: references.count <= maxReferences
                ? references : [references[0]] + references.suffix(maxReferences - 1),
            from: from,
            to: MailHeaders.mailboxes(g_mime_message_get_to(message)),
            cc: MailHeaders.mailboxes(g_mime_message_get_cc(message)),
            subject: subject,
            date: g_mime_message_get_date(message).map {
                Timestamp(milliseconds: Int64(g_date_time_to_unix($0)) * 1000)
            },
            text: text,
            reply: ReplyText.newPart(of: text, forwarded: ReplyText.isForward(subject: subject)),
            automatic: nil,
            deliveryReport: body.deliveryReport,
            ticketTag: TicketTag.find(in: subject),
            attachments: body.files,
            // GMime files a message's Content-* headers under its top MIME part.
            language: (header(object, "Content-Language")
                ?? header(g_mime_message_get_mime_part(message), "Content-Language"))
                .flatMap(MailHeaders.firstLanguage)
        )
        mail.automatic = automaticKind(object, messageID: mail.messageID, report: mail.deliveryReport, hub: hub)
        return mail
    }

    /// A header's value, unfolded and decoded by GMime; nil when absent.
    static func header(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String) -> String? {
        GMime.string(g_mime_object_get_header(object, name))
    }
}
