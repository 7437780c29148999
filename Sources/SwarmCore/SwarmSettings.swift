public import SwarmProtocol

/// What the swarm rules read besides the state: the taxonomy and the invitation and backlog
/// settings. Not part of the log — the log records what was decided with them — so `apply` never
/// reads them and a replay does not need them.
public struct SwarmSettings: Sendable, Hashable {
    /// The skill tags, synonyms and inference rules.
    public var taxonomy: Taxonomy
    /// How many candidates a new ticket invites. Default 3.
    public var invitations = 3
    /// Per-queue invitation counts, overriding `invitations`.
    public var invitationsPerQueue: [String: Int] = [:]
    /// How many candidates a P1 ticket invites at once (severity-1 swarm). Default 8.
    public var severityOneInvitations = 8
    /// How long an invitation waits for an answer before the next candidate is invited, in
    /// milliseconds. Default 10 minutes.
    public var inviteTimeout: Int64 = 10 * 60_000
    /// How long a ticket may go without progress before it is put on the backlog channel, in
    /// milliseconds. Default 4 hours.
    public var backlogAfter: Int64 = 4 * 3_600_000

    /// The most candidates one `ticket.invite` or `help.request` may ask for.
    public static let maxInvitations = 20

    public init(taxonomy: Taxonomy = .empty) {
        self.taxonomy = taxonomy
    }

    /// How many candidates to invite for a new ticket of `priority` in `queue`.
    public func invitationCount(queue: String, priority: Priority) -> Int {
        let base = invitationsPerQueue[queue] ?? invitations
        return priority == .p1 ? max(base, severityOneInvitations) : base
    }
}
