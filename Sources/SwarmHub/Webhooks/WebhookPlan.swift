import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmStore

/// One post an event causes for one hook, rendered: what the store keeps as a ``WebhookDelivery``.
struct PlannedWebhook: Sendable, Hashable {
    /// `<epoch>.<seq>.<hook>`: one per event and hook (``WebhookPlan/deliveryID(epoch:seq:hook:)``).
    var id: String
    var seq: Int64
    var hook: String
    var ticket: String?
    var event: EventType
    var body: [UInt8]
}

/// Which events each hook carries, and what of them: pure, from the event, its channels and the
/// committed state.
///
/// A hook posts to a team's chat: staff read it, but a chat channel is read more widely than a ticket,
/// and a chat service keeps what it is sent. So a hook carries an event of the types and channels it
/// names, and of that event (``view(of:requester:internalNotes:)``):
/// - internal notes — and the notes of help requests and work logs — only when the hook opts in
///   (`internal_notes: true`);
/// - never a ticket's description (the requester's own words on opening; the title says what it is
///   about), nor a bounce's diagnostic;
/// - a requester's e-mail address only as its domain (`…@customer.example`), wherever it stands;
/// - comment bodies and monitoring output cut to 500 characters.
enum WebhookPlan {
    /// The longest text of a comment, a note or an alert's output a hook carries.
    static let textLimit = 500

    /// The deliveries `stored` causes, one for each hook that carries it.
    static func deliveries(
        for stored: StoredEvent, in state: SwarmState, hooks: [WebhookConfiguration], epoch: String
    ) throws -> [PlannedWebhook] {
        let requester = stored.event.ticket.flatMap { state.tickets[$0]?.requester }
        var result: [PlannedWebhook] = []
        for hook in hooks where carries(hook, stored) {
            guard let shown = view(of: stored.event, requester: requester, internalNotes: hook.internalNotes) else {
                continue
            }
            let id = deliveryID(epoch: epoch, seq: stored.seq, hook: hook.name)
            let ticket = shown.ticket.flatMap { state.tickets[$0] }
            let body = try WebhookPayload(
                event: shown, seq: stored.seq, ticket: ticket, hook: hook.name, delivery: id
            ).render(hook.format)
            result.append(
                PlannedWebhook(
                    id: id, seq: stored.seq, hook: hook.name, ticket: stored.event.ticket, event: stored.event.type,
                    body: body))
        }
        return result
    }

    /// Whether `hook` carries the event: one of its types, published on one of its channels (any, when
    /// it names none).
    static func carries(_ hook: WebhookConfiguration, _ stored: StoredEvent) -> Bool {
        guard hook.events.contains(stored.event.type) else { return false }
        return hook.channels.isEmpty || stored.channels.contains { hook.channels.contains($0) }
    }

    /// The id of the delivery of event `seq` to `hook`: the log's epoch makes it differ from the id of
    /// the event that has the same `seq` in a restored backup (which has an epoch of its own).
    static func deliveryID(epoch: String, seq: Int64, hook: String) -> String { "\(epoch).\(seq).\(hook)" }

    /// What a hook may carry of `event`, or `nil` when it carries nothing of it (an internal note to a
    /// hook that does not take them). `requester` is the requester of the event's ticket.
    static func view(of event: SwarmEvent, requester: String?, internalNotes: Bool) -> SwarmEvent? {
        var shown = event
        shown.actor = masked(event.actor)
        switch event.payload {
        case .ticketOpened(var ticket):
            ticket.description = ""
            ticket.requester = masked(ticket.requester)
            shown.payload = .ticketOpened(ticket)
        case .commentAdded(var comment):
            // A requester's own comment from an older log reads as internal, and is still hers.
            let isNote = comment.visibility == .internal && comment.author != requester
            guard internalNotes || !isNote else { return nil }
            comment.author = masked(comment.author)
            comment.body = cut(comment.body)
            shown.payload = .commentAdded(comment)
        case .helpRequested(let agent, let skills, let note):
            shown.payload = .helpRequested(agent: agent, skills: skills, note: internalNotes ? note.map(cut) : nil)
        case .workLogged(let agent, let minutes, let note):
            shown.payload = .workLogged(agent: agent, minutes: minutes, note: internalNotes ? note.map(cut) : nil)
        case .mailBounced(let address, let status, _):
            shown.payload = .mailBounced(address: masked(address), status: status, diagnostic: nil)
        case .notifyChanged:
            // A person's address and choice of notices: theirs, not a chat channel's.
            return nil
        case .attachmentAdded(var file):
            // An internal file is as an internal note; a requester's own is hers.
            guard internalNotes || file.visibility == .public || file.author == requester else { return nil }
            file.author = masked(file.author)
            shown.payload = .attachmentAdded(file)
        case .alertRepeated(let count, let output):
            shown.payload = .alertRepeated(count: count, output: cut(output))
        case .alertRecovered(let output, let resolved):
            shown.payload = .alertRecovered(output: cut(output), resolved: resolved)
        case .swarmJoined, .swarmLeft, .ownerAdded, .ownerRemoved, .statusChanged, .skillsChanged, .presenceChanged,
            .expertInvited, .inviteAnswered, .ticketStalled, .ticketEscalated, .tiersChanged, .queueConfigured,
            .slaWarning, .slaBreached, .kbCreated, .kbPublished, .kbSuggested, .kbApplied:
            break
        }
        return shown
    }

    /// A requester's e-mail address as its domain only (`…@customer.example`); any other id as it is.
    static func masked(_ id: String) -> String {
        guard case .address(_, let domain)? = RequesterName(parsing: id) else { return id }
        return "…@\(domain)"
    }

    /// `text` cut to ``textLimit`` characters, with an ellipsis when it was longer.
    static func cut(_ text: String) -> String {
        text.count > textLimit ? String(text.prefix(textLimit - 1)) + "…" : text
    }
}
