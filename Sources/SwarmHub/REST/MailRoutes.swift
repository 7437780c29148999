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
struct MailRoutes {
    let ledger: Ledger
    let requesters: RequesterCheck
    /// The queues' policies: what a reply to a closed ticket does (`closed_reply`).
    let settings: SwarmSettings
    /// The hub's own mail identity: its Message-IDs' domain and address (from `--mail-from`).
    let identity: HubMailIdentity
    /// The largest message taken.
    let maxMessageSize: Int
    let telemetry: HubTelemetry
    let logger: Logger

    /// The hub's own limit on one message: 25 MB (docs/mail.md).
    static let defaultMaxMessageSize = 25 * 1024 * 1024

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
        let (outcome, messageID) = await decide(bytes, from: gate)
        telemetry.mailTaken(outcome.outcome)
        var metadata: Logger.Metadata = ["swarm.mail.outcome": "\(outcome.outcome.rawValue)"]
        if let messageID { metadata["swarm.mail.message_id"] = "\(messageID)" }
        if let ticket = outcome.ticket { metadata["swarm.ticket.id"] = "\(ticket)" }
        if let reason = outcome.reason { metadata["swarm.mail.reason"] = "\(reason)" }
        logger.log(level: outcome.outcome == .rejected ? .notice : .info, "mail taken", metadata: metadata)
        return outcome
    }

    private func decide(_ bytes: [UInt8], from gate: Principal) async -> (MailOutcome, messageID: String?) {
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
        return (await fromPerson(mail, id: id, gate: gate), mail.messageID)
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
    private func fromPerson(_ mail: InboundMail, id: String, gate: Principal) async -> MailOutcome {
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
                return await reply(mail, on: ticket, id: id)
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
        case .success(let ack): return MailOutcome(.opened, ticket: ack.ticket)
        case .failure(let error): return MailOutcome(.rejected, reason: error.message)
        }
    }

    /// Her reply as a public comment; a resolved ticket (or a closed one, where the queue says so) is
    /// reopened first, as the "resolved" mail tells her.
    private func reply(_ mail: InboundMail, on ticket: Ticket, id: String) async -> MailOutcome {
        let requester = Principal(id: ticket.requester, role: .requester)
        let number = ticket.id
        let text = Limits.cut(Limits.clean(mail.reply.isEmpty ? mail.text : mail.reply), toFit: Limits.commentLength)
        guard !text.isEmpty else { return MailOutcome(.ignored, ticket: number, reason: "the reply says nothing") }
        if ticket.status == .closed {
            let reopen = Command.client(.ticketStatus(StatusChange(ticket: number, status: .open)))
            if case .failure(let error) = await ledger.submit(reopen, by: requester, id: id + ":reopen") {
                return MailOutcome(.rejected, ticket: number, reason: error.message)
            }
        }
        let comment = Command.client(.commentAdd(CommentAdd(ticket: number, body: text, visibility: .public)))
        if case .failure(let error) = await ledger.submit(comment, by: requester, id: id) {
            return MailOutcome(.rejected, ticket: number, reason: error.message)
        }
        if ticket.status == .resolved {
            _ = await ledger.submit(
                .client(.ticketStatus(StatusChange(ticket: number, status: .open))), by: requester,
                id: id + ":reopen")
        }
        return MailOutcome(.commented, ticket: number)
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
