import Foundation
import SwarmProtocol

/// A client frame as it goes on the wire: `type`, `id` and the message's own fields, in one flat
/// JSON object (SwarmProtocol decodes client frames but leaves encoding to clients).
struct OutgoingFrame: Encodable {
    var id: String?
    var message: ClientMessage

    private enum Keys: String, CodingKey { case type, id }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(message.type, forKey: .type)
        try container.encodeIfPresent(id, forKey: .id)
        switch message {
        case .hello(let hello): try hello.encode(to: encoder)
        case .subscribe(let request), .unsubscribe(let request): try request.encode(to: encoder)
        case .ticketOpen(let open): try open.encode(to: encoder)
        case .swarmJoin(let ref), .swarmLeave(let ref): try ref.encode(to: encoder)
        case .commentAdd(let comment): try comment.encode(to: encoder)
        case .ownerAdd(let change), .ownerRemove(let change): try change.encode(to: encoder)
        case .ticketStatus(let change): try change.encode(to: encoder)
        case .skillsSet(let set): try set.encode(to: encoder)
        case .presenceSet(let presence): try presence.encode(to: encoder)
        case .ticketInvite(let invite): try invite.encode(to: encoder)
        case .inviteAnswer(let answer): try answer.encode(to: encoder)
        case .helpRequest(let request): try request.encode(to: encoder)
        case .ticketEscalate(let escalate): try escalate.encode(to: encoder)
        case .tiersSet(let tiers): try tiers.encode(to: encoder)
        case .kbCreate(let create): try create.encode(to: encoder)
        case .kbCapture(let ref): try ref.encode(to: encoder)
        case .kbPublish(let publish): try publish.encode(to: encoder)
        case .kbApply(let apply): try apply.encode(to: encoder)
        case .workLog(let log): try log.encode(to: encoder)
        case .alertResolve(let resolve): try resolve.encode(to: encoder)
        case .kbSearch(let search): try search.encode(to: encoder)
        case .ticketViewing(let ref), .ticketTyping(let ref): try ref.encode(to: encoder)
        case .ping: break
        // No `default`: a frame added to the protocol fails to compile here until swarm can send
        // it with all its fields, rather than going out without them.
        }
    }

    /// The frame as one JSON text message, keys sorted.
    var text: String {
        get throws { try SwarmJSON.string(self) }
    }
}
