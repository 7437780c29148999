import SwarmCore
import SwarmLanguage
import SwarmProtocol
import SwarmStore

/// One mail an event causes, before it is rendered: who gets it, why, and what it says.
struct PlannedMail: Sendable, Hashable {
    /// Why it is sent: the ticket was opened, a public reply, a public file, the desk waits for the
    /// requester, the ticket was resolved (to the requester); a notice to a person who chose notices by
    /// mail (``NoticeMailPlan``).
    enum Kind: String, Sendable, Hashable {
        case opened, reply, file, waiting, resolved, notice
    }

    /// The `Message-ID`, without angle brackets: `T-42.<seq>@<domain>` to the requester,
    /// `T-42.<seq>.<agent>@<domain>` for a notice — one per event and recipient, so the event's mail has
    /// one identity however often it is planned or tried.
    var id: String
    var seq: Int64
    var ticket: String
    var recipient: String
    var kind: Kind
    var subject: String
    var text: String
    /// The thread: every mail of a ticket refers to its root, `T-42@<domain>`.
    var references: [String]
    var date: Timestamp
    var language: MailLanguage
}

/// The languages the hub writes mail in.
enum MailLanguage: String, Sendable, Hashable, CaseIterable {
    case de, en
}

/// Which events mail the requester, and what the mail says: pure, from the event and the committed
/// state. Only a requester whose id is an e-mail address gets mail; internal notes, what the requester
/// did herself, and monitoring's tickets never cause one (invariant 6 on this path: the requester's
/// view of the event decides, as it does on every other).
enum MailPlan {
    /// The language the requester writes in, from her own words on the ticket — her comments, and the
    /// title and description when she opened it herself (by mail or the portal) — or nil when they do
    /// not tell (SwarmLanguage's detector; then the ticket's language, as given — a mail's
    /// `Content-Language` — or detected, then the hub's `--mail-language`).
    static func requesterLanguage(of ticket: Ticket) -> MailLanguage? {
        var words = ticket.comments.filter { $0.author == ticket.requester }.map(\.body)
        if ticket.via == .email || ticket.via == .portal { words = [ticket.title, ticket.description] + words }
        return LanguageDetector.detect(words.joined(separator: "\n")).flatMap { MailLanguage(rawValue: $0.code) }
    }

    /// The mails `stored` causes. `portal`: the requesters' portal to link to (`--public-url`), if known.
    static func mails(
        for stored: StoredEvent, in state: SwarmState, domain: String, language: MailLanguage, portal: String? = nil
    ) -> [PlannedMail] {
        let event = stored.event
        guard let id = event.ticket, let ticket = state.tickets[id], isAddress(ticket.requester),
            ticket.alert == nil, event.actor != ticket.requester || isOpening(event)
        else { return [] }
        // What the requester may see of the event is what may leave by mail, and nothing else.
        let shown: SwarmEvent
        switch Policy.view(of: event, for: .requester(ticket.requester), in: state) {
        case .whole: shown = event
        case .redacted(let redacted): shown = redacted
        case .hidden: return []
        }
        let language =
            requesterLanguage(of: ticket) ?? ticket.language.flatMap(MailLanguage.init(rawValue:)) ?? language
        let texts = MailTexts(language: language, portal: portal)
        let kind: PlannedMail.Kind
        let text: String
        switch shown.payload {
        case .ticketOpened(let opened):
            kind = .opened
            text = texts.opened(opened)
        case .commentAdded(let comment) where comment.visibility == .public:
            kind = .reply
            text = texts.reply(comment, on: ticket)
        case .attachmentAdded(let attachment) where attachment.visibility == .public:
            // Named, not carried: a file may be 25 MB, her mailbox may refuse it, and a mail is kept by
            // every server it passes.
            kind = .file
            text = texts.file(attachment, on: ticket)
        case .statusChanged(_, .waiting, _):
            kind = .waiting
            text = texts.waiting(ticket)
        case .statusChanged(_, .resolved, let resolution):
            kind = .resolved
            text = texts.resolved(ticket, resolution: resolution)
        default:
            return []
        }
        return [
            PlannedMail(
                id: "\(id).\(stored.seq)@\(domain)", seq: stored.seq, ticket: id, recipient: ticket.requester,
                kind: kind, subject: ticket.title, text: text, references: ["\(id)@\(domain)"],
                date: event.at, language: language)
        ]
    }

    private static func isOpening(_ event: SwarmEvent) -> Bool {
        if case .ticketOpened = event.payload { true } else { false }
    }

    /// Whether a requester id is an address mail can go to: the address form of ``RequesterName``, the
    /// one rule for what a requester's address is.
    static func isAddress(_ id: String) -> Bool {
        if case .address? = RequesterName(parsing: id) { true } else { false }
    }
}

/// The mails' words, in German and English.
struct MailTexts {
    var language: MailLanguage
    /// The requesters' portal, where a file named in a mail can be opened; `nil` when the hub does not know
    /// its address.
    var portal: String? = nil

    func opened(_ ticket: Ticket) -> String {
        switch language {
        case .de:
            """
            Guten Tag,

            wir haben Ihre Anfrage erhalten und unter der Nummer \(ticket.id) aufgenommen:

              \(ticket.title)

            Das IT-Team kümmert sich darum und schreibt Ihnen hier, sobald es Neues gibt. Wenn Sie etwas \
            ergänzen möchten, antworten Sie einfach auf diese E-Mail; die Nummer \(ticket.id) im Betreff \
            ordnet Ihre Antwort zu.
            """
        case .en:
            """
            Hello,

            we have received your request and logged it as \(ticket.id):

              \(ticket.title)

            The IT team is on it and will write to you here as soon as there is news. To add anything, \
            just reply to this e-mail; the number \(ticket.id) in the subject files your reply with it.
            """
        }
    }

    func reply(_ comment: Comment, on ticket: Ticket) -> String {
        switch language {
        case .de:
            "\(comment.body)\n\n-- \n\(comment.author), IT-Team · \(ticket.id). Antworten Sie auf diese E-Mail, um zu antworten."
        case .en:
            "\(comment.body)\n\n-- \n\(comment.author), IT team · \(ticket.id). Reply to this e-mail to answer."
        }
    }

    func file(_ attachment: Attachment, on ticket: Ticket) -> String {
        let size = Self.size(attachment.size, language: language)
        switch language {
        case .de:
            return """
                Guten Tag,

                \(attachment.author) vom IT-Team hat Ihrer Anfrage \(ticket.id) („\(ticket.title)“) eine Datei \
                beigefügt:

                  \(attachment.name) (\(size))

                Die Datei liegt bei Ihrer Anfrage; per E-Mail schicken wir keine Dateien mit. \(
                    portal.map { "Sie finden sie im Portal bei Ihrer Anfrage:\n\n  \($0)\n\nOder antworten Sie einfach auf diese E-Mail." }
                    ?? "Brauchen Sie sie, antworten Sie einfach auf diese E-Mail.")
                """
        case .en:
            return """
                Hello,

                \(attachment.author) of the IT team added a file to your request \(ticket.id) ("\(ticket.title)"):

                  \(attachment.name) (\(size))

                The file is kept with your request; we do not send files by e-mail. \(
                    portal.map { "You find it with your request in the portal:\n\n  \($0)\n\nOr just reply to this e-mail." }
                    ?? "If you need it, just reply to this e-mail.")
                """
        }
    }

    /// A file's size as people read it: bytes, KB or MB (1000s, as file managers show them), a decimal
    /// comma in German.
    static func size(_ bytes: Int64, language: MailLanguage) -> String {
        let (value, unit): (Double, String)
        switch bytes {
        case ..<1000: return language == .de ? "\(bytes) Byte" : (bytes == 1 ? "1 byte" : "\(bytes) bytes")
        case ..<1_000_000: (value, unit) = (Double(bytes) / 1000, "KB")
        default: (value, unit) = (Double(bytes) / 1_000_000, "MB")
        }
        // One decimal below 10, none above: 2.1 MB, 204 KB.
        let rounded = value < 10 ? (value * 10).rounded() / 10 : value.rounded()
        var text = rounded < 10 && rounded != rounded.rounded() ? String(rounded) : String(Int(rounded))
        if language == .de { text = String(text.map { $0 == "." ? "," : $0 }) }
        return "\(text) \(unit)"
    }

    func waiting(_ ticket: Ticket) -> String {
        switch language {
        case .de:
            """
            Guten Tag,

            zu \(ticket.id) („\(ticket.title)“) brauchen wir eine Rückmeldung von Ihnen, bevor es weitergehen \
            kann. Bitte antworten Sie auf diese E-Mail.
            """
        case .en:
            """
            Hello,

            we need to hear from you about \(ticket.id) ("\(ticket.title)") before we can go on. Please \
            reply to this e-mail.
            """
        }
    }

    func resolved(_ ticket: Ticket, resolution: String?) -> String {
        let how = resolution.map { "\n\n  \($0)" } ?? ""
        switch language {
        case .de:
            return """
                Guten Tag,

                \(ticket.id) („\(ticket.title)“) ist gelöst.\(how)

                Ist das Problem nicht behoben, antworten Sie auf diese E-Mail: Ihre Antwort öffnet \
                \(ticket.id) wieder.
                """
        case .en:
            return """
                Hello,

                \(ticket.id) ("\(ticket.title)") is resolved.\(how)

                If the problem is not fixed, reply to this e-mail: your reply reopens \(ticket.id).
                """
        }
    }
}
