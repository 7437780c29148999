import Foundation
import Hummingbird
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
    /// The hub's own mail identity: its Message-IDs' domain and address (from `--mail-from`).
    let identity: HubMailIdentity
    /// The largest message taken.
    let maxMessageSize: Int

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

    /// What one message does.
    func take(_ bytes: [UInt8], from gate: Principal) async throws -> MailOutcome {
        let mail: InboundMail
        do {
            mail = try InboundMail.parse(bytes, hub: identity)
        } catch {
            return MailOutcome(.rejected, reason: "not a message the hub can read: \(error.message)")
        }
        if let automatic = mail.automatic {
            return MailOutcome(.ignored, reason: "automatic mail (\(automatic)): never a ticket, never answered")
        }
        let sender = mail.from.address
        let id = "mail:" + Self.digest(mail.messageID ?? String(decoding: bytes.prefix(4096), as: UTF8.self))
        let state = ledger.snapshot.state
        if let number = ticket(answeredBy: mail), let ticket = state.tickets[number], ticket.status != .closed {
            guard ticket.requester == sender else {
                return MailOutcome(.rejected, reason: "\(sender) is not the requester of \(number)")
            }
            let requester = Principal(id: sender, role: .requester)
            let text = Limits.cut(
                Limits.clean(mail.reply.isEmpty ? mail.text : mail.reply), toFit: Limits.commentLength)
            guard !text.isEmpty else { return MailOutcome(.ignored, ticket: number, reason: "the reply says nothing") }
            let comment = Command.client(.commentAdd(CommentAdd(ticket: number, body: text, visibility: .public)))
            if case .failure(let error) = await ledger.submit(comment, by: requester, id: id) {
                return MailOutcome(.rejected, ticket: number, reason: error.message)
            }
            // A reply to a resolved ticket reopens it, as the "resolved" mail says.
            if ticket.status == .resolved {
                _ = await ledger.submit(
                    .client(.ticketStatus(StatusChange(ticket: number, status: .open))), by: requester,
                    id: id + ":reopen")
            }
            return MailOutcome(.commented, ticket: number)
        }
        var title = Limits.cut(Limits.clean(mail.subject), toFit: Limits.titleLength)
        if title.isEmpty { title = "(no subject)" }
        var description = mail.text
        if let number = ticket(answeredBy: mail), state.tickets[number]?.status == .closed {
            description = "Follow-up to \(number), which is closed.\n\n" + description
        }
        let open = TicketOpen(
            title: title, description: Limits.cut(Limits.clean(description), toFit: Limits.descriptionLength),
            category: .other, urgency: .medium, impact: .low, requester: sender, via: .email)
        if let problem = await requesters.problem(open, by: gate) {
            return MailOutcome(.rejected, reason: problem.message)
        }
        switch await ledger.submit(.client(.ticketOpen(open)), by: gate, id: id) {
        case .success(let ack): return MailOutcome(.opened, ticket: ack.ticket)
        case .failure(let error): return MailOutcome(.rejected, reason: error.message)
        }
    }

    /// The ticket a message answers: a Message-ID the hub made (`T-42.7@domain`, `T-42@domain`) in
    /// `In-Reply-To` or `References`, else `[T-42]` in the subject.
    func ticket(answeredBy mail: InboundMail) -> String? {
        let suffix = "@" + identity.domain
        for id in [mail.inReplyTo].compactMap({ $0 }) + mail.references.reversed() {
            let lowered = id.lowercased()
            guard lowered.hasSuffix(suffix) else { continue }
            let local = id.dropLast(suffix.count).split(separator: ".").first.map(String.init) ?? ""
            if local.hasPrefix("T-"), local.dropFirst(2).allSatisfy(\.isNumber), local.count > 2 { return local }
        }
        return mail.ticketTag
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
