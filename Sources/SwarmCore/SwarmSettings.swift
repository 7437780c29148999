public import SwarmProtocol

/// What the swarm rules read besides the state: the taxonomy and the invitation and backlog
/// settings. Not part of the log — the log records what was decided with them — so `apply` never
/// reads them and a replay does not need them. These are the decided values; how each is read (its
/// flag, configuration key, bounds and messages) is SwarmConfiguration's `Settings` table.
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

    /// Queue policies by name (the configuration file); a queue not listed gets `defaultQueue`.
    public var queues: [String: QueuePolicy] = [:]
    /// The policy of queues the configuration does not list.
    public var defaultQueue = QueuePolicy()
    /// The queue of a ticket opened without one, by category; otherwise `general`.
    public var categoryQueues: [Category: String] = [:]
    /// How monitoring alerts (`POST /v1/alerts`) become tickets. Not read by `decide`: the hub turns
    /// alerts into `ticket.open` and `alert.resolve` commands with them.
    public var alerts = AlertRules()
    /// The most bytes one file may have (`--attachment-max-file`); checked while it is stored.
    public var attachmentMaxFile = 25 * 1_048_576
    /// The most bytes of files one ticket may hold, all attachments together (`--attachment-max-ticket`).
    public var attachmentMaxTicket = 100 * 1_048_576

    /// The most candidates one `ticket.invite` or `help.request` may ask for.
    public static let maxInvitations = 20

    public init(taxonomy: Taxonomy = .empty) {
        self.taxonomy = taxonomy
    }

    /// The policy of a queue.
    public func policy(of queue: String) -> QueuePolicy { queues[queue] ?? defaultQueue }

    /// The tiers a time limit may be set for: a timed escalation never hands off to the vendor.
    public static let timedTiers = 1...2

    /// How long a ticket of `priority` may stay at `tier` in `queue` before it is escalated; `nil`
    /// when it has no limit.
    public func tierLimit(queue: String, tier: Int, priority: Priority) -> Int64? {
        let policy = policy(of: queue)
        return policy.priorityLimits[priority]?[tier] ?? policy.tierLimits[tier]
    }

    /// How many candidates to invite for a new ticket of `priority` in `queue`.
    public func invitationCount(queue: String, priority: Priority) -> Int {
        // Most specific first: the file's queue, the flag's queue, the file's defaults, the flag.
        let base =
            queues[queue]?.invitations ?? invitationsPerQueue[queue] ?? defaultQueue.invitations ?? invitations
        return priority == .p1 ? max(base, severityOneInvitations) : base
    }
}

/// How one queue routes and escalates (the configuration file, docs/tiers.md).
public struct QueuePolicy: Sendable, Hashable {
    /// Swarm, tiered or hybrid. Default swarm.
    public var mode: RoutingMode = .swarm
    /// Candidates a new ticket invites, overriding the hub's count.
    public var invitations: Int?
    /// Tier → how long a ticket may stay there unresolved before it goes up a tier, in milliseconds.
    /// Default: tier 1 15 minutes, tier 2 4 hours. Tier 3 has none: going to the vendor (tier 4)
    /// needs a person to name the vendor.
    public var tierLimits: [Int: Int64] = [1: 15 * 60_000, 2: 4 * 3_600_000]
    /// Priority → tier → limit, overriding `tierLimits` for tickets of that priority.
    public var priorityLimits: [Priority: [Int: Int64]] = [:]
    /// Service-level targets; `nil` (the default) when the queue has none.
    public var sla: SLAPolicy?
    /// Whether a monitor's recovery (`alert.resolve`) resolves the alert's ticket. Default `false`:
    /// the recovery is logged and people resolve the ticket.
    public var resolveOnRecovery = false
    /// What a requester's mail answering a closed ticket of the queue does. Default: a new ticket
    /// that names the closed one (docs/mail.md).
    public var closedReply = ClosedReply.newTicket
    /// Whether the status follows the work (docs/tiers.md, "State that follows the work"): staff's first
    /// join or public reply moves a new (or reopened) ticket to in progress, and the requester's answer
    /// moves a waiting one back. Default `true`.
    public var followWork = true

    public init() {}
}

/// What a requester's reply by mail to a closed ticket does (a queue's `closed_reply`).
public enum ClosedReply: String, Sendable, Hashable, CaseIterable {
    /// The ticket is reopened and the mail is her comment on it.
    case reopen
    /// A new ticket opens, its description beginning with the closed ticket's number.
    case newTicket = "new_ticket"
}
