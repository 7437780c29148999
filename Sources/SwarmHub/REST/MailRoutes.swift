import Foundation
import Hummingbird
import Logging
import SwarmCore
import SwarmMail
import SwarmProtocol

/// `POST /v1/mail`: one raw RFC 5322 message from a mail system (`swarm-mailgate`, with a token of the
/// role `mailgate`), turned into a new ticket for its sender or a public reply on the ticket it answers
/// (docs/mail.md, "How the hub takes a message").
///
/// The answer is always 202 with what the message did, unless the request itself is wrong: a refused
/// message is `rejected` (the mail system counts it delivered, and nobody is mailed back), automatic
/// mail is `ignored`. The same message delivered twice has one effect: its command id is made from its
/// `Message-ID` (the ledger's idempotency, 24 hours).
///
/// The message's files follow its text: once the ticket is opened or the reply is on it, each is stored,
/// scanned and sniffed (``AttachmentIntake``) and attached, public, by the sender, under a command id
/// made from the message's and the file's index — so a message delivered again attaches nothing again.
/// A signature's small inline pictures are dropped; a file refused (over a limit, infected, the scanner
/// away) is not attached, but never silently: the answer lists it with the reason, the log says it, and
/// staff get an internal note on the ticket. A failure of the hub itself (the log or the store cannot be
/// written) is an error, not an outcome: the mail system keeps the message and delivers it again, and the
/// ids make the second delivery finish what the first began.
struct MailRoutes {
    let ledger: Ledger
    let requesters: RequesterCheck
    /// The queues' policies: what a reply to a closed ticket does (`closed_reply`).
    let settings: SwarmSettings
    /// The hub's own mail identity: its Message-IDs' domain and address (from `--mail-from`).
    let identity: HubMailIdentity
    /// The largest message taken.
    let maxMessageSize: Int
    /// Where a message's files are stored, scanned and sniffed before they are attached.
    let intake: AttachmentIntake
    /// Inline images smaller than this are a signature's: dropped (`--mail-signature-image-size`).
    let signatureImageSize: Int
    let telemetry: HubTelemetry
    let logger: Logger

    /// The hub's own limit on one message: 25 MB (docs/mail.md).
    static let defaultMaxMessageSize = 25 * 1024 * 1024
    /// The most files of one message looked at; the rest are refused (and named in the note). A message of
    /// thousands of tiny parts must not become thousands of events.
    static let maxFiles = 100

    var routes: RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.post(use: deliver)
        routes.allow([.post])
        return routes
    }

    @Sendable func deliver(_ request: Request, context: HubRequestContext) async throws
        -> EditedResponse<MailOutcome>
    {
        let principal = try context.requirePrincipal()
        guard principal.role == .mailgate else {
            throw HubError(.forbidden, "only a mailgate token delivers mail (swarmd token create --role mailgate)")
        }
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("message/rfc822") else {
            throw HubError(.invalidField, "the body must be one message, 'Content-Type: message/rfc822'")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxMessageSize)
        } catch {
            throw HubError(.tooLarge, "the message is larger than \(maxMessageSize) bytes")
        }
        let outcome = try await take(Array(body.readableBytesView), from: principal)
        return EditedResponse(status: .accepted, response: outcome)
    }

    /// What one message does, counted by outcome and logged with its Message-ID (never its text).
    func take(_ bytes: [UInt8], from gate: Principal) async throws -> MailOutcome {
        let (outcome, messageID) = try await decide(bytes, from: gate)
        telemetry.mailTaken(outcome.outcome)
        var metadata: Logger.Metadata = ["swarm.mail.outcome": "\(outcome.outcome.rawValue)"]
        if let messageID { metadata["swarm.mail.message_id"] = "\(messageID)" }
        if let ticket = outcome.ticket { metadata["swarm.ticket.id"] = "\(ticket)" }
        if let reason = outcome.reason { metadata["swarm.mail.reason"] = "\(reason)" }
        if let files = outcome.files {
            for file in files { telemetry.mailFile(file.result) }
            for result in MailFile.Result.allCases {
                let count = files.count { $0.result == result }
                if count > 0 { metadata["swarm.mail.files.\(result.rawValue)"] = "\(count)" }
            }
        }
        logger.log(level: outcome.outcome == .rejected ? .notice : .info, "mail taken", metadata: metadata)
        return outcome
    }

    private func decide(_ bytes: [UInt8], from gate: Principal) async throws -> (MailOutcome, messageID: String?) {
        let mail: InboundMail
        do {
            mail = try InboundMail.parse(bytes, hub: identity)
        } catch {
            return (MailOutcome(.rejected, reason: "not a message the hub can read: \(error.message)"), nil)
        }
        let id = "mail:" + Self.digest(mail.messageID ?? String(decoding: bytes.prefix(4096), as: UTF8.self))
        if let report = mail.deliveryReport {
            return (await bounced(report, mail: mail, id: id), mail.messageID)
        }
        if let automatic = mail.automatic {
            return (
                MailOutcome(.ignored, reason: "automatic mail (\(automatic)): never a ticket, never answered"),
                mail.messageID
            )
        }
        return (try await fromPerson(mail, id: id, gate: gate), mail.messageID)
    }

    /// A delivery-status notification: each failed recipient that is the requester of the ticket the
    /// returned message was about gets a `mail.bounced` on it. Nothing is answered, nothing opens.
    private func bounced(_ report: DeliveryReport, mail: InboundMail, id: String) async -> MailOutcome {
        let state = ledger.snapshot.state
        let original = [report.originalMessageID].compactMap { $0 } + mail.threadMessageIDs
        guard let number = original.lazy.compactMap({ self.ticket(named: $0) }).first,
            let ticket = state.tickets[number]
        else {
            return MailOutcome(.ignored, reason: "a delivery report about no mail of the hub")
        }
        guard let failed = report.failed.first(where: { $0.address == ticket.requester }) else {
            return MailOutcome(.ignored, ticket: number, reason: "a delivery report naming no failed requester")
        }
        let command = Command.mailBounced(
            ticket: number, address: failed.address, status: failed.status, diagnostic: failed.diagnostic)
        _ = await ledger.submit(command, by: .system, id: id)
        return MailOutcome(
            .ignored, ticket: number,
            reason: "a delivery report: mail to \(failed.address) bounced, marked on \(number)")
    }

    /// Mail a person wrote: her reply on the ticket it answers, or a new ticket.
    private func fromPerson(_ mail: InboundMail, id: String, gate: Principal) async throws -> MailOutcome {
        let sender = mail.from.address
        let state = ledger.snapshot.state
        let answered = ticket(answeredBy: mail).flatMap { state.tickets[$0] }
        var follows: Ticket?
        if let ticket = answered {
            guard ticket.requester == sender else {
                return MailOutcome(.rejected, reason: "\(sender) is not the requester of \(ticket.id)")
            }
            let policy = settings.policy(of: ticket.queue)
            if ticket.status != .closed || policy.closedReply == .reopen {
                return try await reply(mail, on: ticket, id: id)
            }
            follows = ticket
        }
        var title = Limits.cut(Limits.clean(mail.subject), toFit: Limits.titleLength)
        if title.isEmpty { title = "(no subject)" }
        var description = mail.text
        if let follows { description = "Follow-up to \(follows.id), which is closed.\n\n" + description }
        let open = TicketOpen(
            title: title, description: Limits.cut(Limits.clean(description), toFit: Limits.descriptionLength),
            category: .other, urgency: .medium, impact: .low, requester: sender, via: .email,
            language: mail.language.map { String($0.prefix(2)).lowercased() }.flatMap {
                ["de", "en"].contains($0) ? $0 : nil
            })
        if let problem = await requesters.problem(open, by: gate) {
            return MailOutcome(.rejected, reason: problem.message)
        }
        switch await ledger.submit(.client(.ticketOpen(open)), by: gate, id: id) {
        case .success(let ack):
            guard let number = ack.ticket else { return MailOutcome(.opened) }
            return try await attachFiles(
                of: mail, to: number, by: Principal(id: sender, role: .requester), id: id,
                outcome: MailOutcome(.opened, ticket: number))
        case .failure(let error) where error.code == .internal:
            throw error
        case .failure(let error):
            return MailOutcome(.rejected, reason: error.message)
        }
    }

    /// Her reply as a public comment, and her files; a resolved ticket (or a closed one, where the queue
    /// says so) is reopened first, as the "resolved" mail tells her. A reply of files only (a screenshot
    /// sent on its own) is taken as one too.
    private func reply(_ mail: InboundMail, on ticket: Ticket, id: String) async throws -> MailOutcome {
        let requester = Principal(id: ticket.requester, role: .requester)
        let number = ticket.id
        let text = Limits.cut(Limits.clean(mail.reply.isEmpty ? mail.text : mail.reply), toFit: Limits.commentLength)
        let hasFiles = mail.attachments.contains { !$0.isSignatureImage(below: signatureImageSize) }
        guard !text.isEmpty || hasFiles else {
            let pictures = dropped(mail.attachments)
            return MailOutcome(
                .ignored, ticket: number, reason: "the reply says nothing", files: pictures.isEmpty ? nil : pictures)
        }
        if ticket.status == .closed {
            let reopen = Command.client(.ticketStatus(StatusChange(ticket: number, status: .open)))
            switch await ledger.submit(reopen, by: requester, id: id + ":reopen") {
            case .success: break
            case .failure(let error) where error.code == .internal: throw error
            case .failure(let error): return MailOutcome(.rejected, ticket: number, reason: error.message)
            }
        }
        if !text.isEmpty {
            let comment = Command.client(.commentAdd(CommentAdd(ticket: number, body: text, visibility: .public)))
            switch await ledger.submit(comment, by: requester, id: id) {
            case .success: break
            case .failure(let error) where error.code == .internal: throw error
            case .failure(let error): return MailOutcome(.rejected, ticket: number, reason: error.message)
            }
        }
        if ticket.status == .resolved {
            _ = await ledger.submit(
                .client(.ticketStatus(StatusChange(ticket: number, status: .open))), by: requester,
                id: id + ":reopen")
        }
        return try await attachFiles(
            of: mail, to: number, by: requester, id: id,
            outcome: MailOutcome(.commented, ticket: number, reason: text.isEmpty ? "files only, no text" : nil))
    }

    /// The message's files onto `ticket`, public, by `requester` (the sender), each under the command id
    /// `<id>:file:<index>`; the outcome with what became of each. A signature's picture is dropped; a file
    /// refused is named in one internal note for staff (`<id>:refused`, by the hub) and logged.
    ///
    /// - Throws: what is the hub's failure, not the file's — the store or the log cannot be written — so
    ///   that the mail system delivers the message again; the ids make that attach nothing twice.
    private func attachFiles(
        of mail: InboundMail, to ticket: String, by requester: Principal, id: String, outcome: MailOutcome
    ) async throws -> MailOutcome {
        guard !mail.attachments.isEmpty else { return outcome }
        var files: [MailFile] = []
        // A clamd found away is not waited for again within the same message: one wait, not one per file.
        var scannerAway: String?
        for (index, file) in mail.attachments.enumerated() {
            if file.isSignatureImage(below: signatureImageSize) {
                files += dropped([file])
                continue
            }
            func refuse(_ reason: String) {
                files.append(MailFile(name: file.name, size: file.size, result: .refused, reason: reason))
            }
            if index >= Self.maxFiles {
                refuse("the message has more than \(Self.maxFiles) files; the hub takes its first \(Self.maxFiles)")
                continue
            }
            if let scannerAway {
                refuse(scannerAway)
                continue
            }
            let stored: AttachmentIntake.StoredFile
            do {
                stored = try await intake.take(file.bytes, name: file.name, ticket: ticket, by: requester.id)
            } catch let error as HubError where [.tooLarge, .infected, .unavailable].contains(error.code) {
                if error.code == .unavailable { scannerAway = error.message }
                refuse(error.message)
                continue
            }
            let add = stored.attachment(to: ticket, name: file.name, visibility: .public)
            switch await ledger.submit(.attach(add), by: requester, id: "\(id):file:\(index)") {
            case .success(let ack):
                files.append(MailFile(name: file.name, size: file.size, result: .attached, attachment: ack.attachment))
            case .failure(let error) where error.code == .internal:
                throw error
            case .failure(let error):
                // The ticket's own limit, or the ticket closed meanwhile: the ledger's word.
                refuse(error.message)
            }
        }
        let refused = files.filter { $0.result == .refused }
        if !refused.isEmpty { try await note(refused, of: mail, on: ticket, id: id) }
        var outcome = outcome
        outcome.files = files
        return outcome
    }

    /// The signature pictures among `files`, as dropped.
    private func dropped(_ files: [MailAttachment]) -> [MailFile] {
        files.filter { $0.isSignatureImage(below: signatureImageSize) }.map { file in
            MailFile(
                name: file.name, size: file.size, result: .dropped,
                reason: "an inline image under \(signatureImageSize) bytes: a signature's, not kept")
        }
    }

    /// Staff's internal note naming each refused file and why, and one log line per file.
    private func note(_ refused: [MailFile], of mail: InboundMail, on ticket: String, id: String) async throws {
        let sender = mail.from.address
        for file in refused {
            var metadata: Logger.Metadata = [
                "swarm.ticket.id": "\(ticket)", "swarm.mail.sender": "\(sender)", "swarm.file": "\(file.name)",
                "swarm.file.size": "\(file.size)", "swarm.mail.reason": "\(file.reason ?? "")",
            ]
            if let messageID = mail.messageID { metadata["swarm.mail.message_id"] = "\(messageID)" }
            logger.notice("mail file not attached", metadata: metadata)
        }
        let lines = refused.map { "- \($0.name) (\($0.size) bytes): \($0.reason ?? "refused")" }
        let header =
            refused.count == 1
            ? "A file of \(sender)'s mail was not attached:"
            : "\(refused.count) files of \(sender)'s mail were not attached:"
        let body =
            ([header] + lines + [
                "",
                "The sender was not told. Ask for them another way if they are needed"
                    + (mail.messageID.map { " (the mail's Message-ID: <\($0)>)." } ?? "."),
            ]).joined(separator: "\n")
        switch await ledger.submit(.systemNote(ticket: ticket, body: body), by: .system, id: id + ":refused") {
        case .success: break
        case .failure(let error) where error.code == .internal: throw error
        case .failure(let error):
            logger.error(
                "the note of files not attached was refused",
                metadata: ["swarm.ticket.id": "\(ticket)", "error": "\(error.message)"])
        }
    }

    /// The ticket a message answers: a Message-ID the hub made (`T-42.7@domain`, `T-42@domain`) in
    /// `In-Reply-To` or `References`, else `[T-42]` in the subject.
    func ticket(answeredBy mail: InboundMail) -> String? {
        mail.threadMessageIDs.lazy.compactMap { self.ticket(named: $0) }.first ?? mail.ticketTag
    }

    /// The ticket of a Message-ID the hub made, or nil for anyone else's.
    func ticket(named messageID: String) -> String? {
        let suffix = "@" + identity.domain
        guard messageID.lowercased().hasSuffix(suffix) else { return nil }
        let local = messageID.dropLast(suffix.count).split(separator: ".").first.map(String.init) ?? ""
        guard local.hasPrefix("T-"), local.count > 2, local.utf8.dropFirst(2).allSatisfy({ (48...57).contains($0) })
        else { return nil }
        return local
    }

    /// A short, stable name of a message's identity (FNV-1a, 64 bits): a command id within its limits.
    static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
