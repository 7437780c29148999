/// The `type` of every client frame of protocol v1: the one list the hub's decoder, the clients'
/// encoder, the protocol's type list and the telemetry labels derive from.
///
/// Adding a command adds a case here, its payload type (a `Codable` struct in SwarmProtocol), one
/// case of ``ClientCommand`` and its line in each direction of the codec (ClientFrame+Codec.swift);
/// the compiler then points at the `decide` it still needs (docs/architecture.md, "Adding a command").
public enum FrameType: String, CaseIterable, Sendable, Hashable, Codable {
    case hello
    case subscribe
    case unsubscribe
    case ticketOpen = "ticket.open"
    case swarmJoin = "swarm.join"
    case swarmLeave = "swarm.leave"
    case commentAdd = "comment.add"
    case ownerAdd = "owner.add"
    case ownerRemove = "owner.remove"
    case ticketStatus = "ticket.status"
    case skillsSet = "skills.set"
    case presenceSet = "presence.set"
    case notifySet = "notify.set"
    case ticketInvite = "ticket.invite"
    case inviteAnswer = "invite.answer"
    case helpRequest = "help.request"
    case ticketEscalate = "ticket.escalate"
    case tiersSet = "tiers.set"
    case kbCreate = "kb.create"
    case kbCapture = "kb.capture"
    case kbPublish = "kb.publish"
    case kbApply = "kb.apply"
    case kbSearch = "kb.search"
    case workLog = "work.log"
    case alertResolve = "alert.resolve"
    case ticketViewing = "ticket.viewing"
    case ticketTyping = "ticket.typing"
    case ping
}
