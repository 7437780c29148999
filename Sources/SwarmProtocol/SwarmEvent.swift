/// One entry of the event log, as stored and as carried in `event` frames.
///
/// On the wire it is one flat object: the common fields `type`, `ticket`, `actor`, `at`
/// and the fields of its payload, for example
/// `{"type":"swarm.joined","ticket":"T-1","actor":"alice","at":"…","agent":"alice"}`.
public struct SwarmEvent: Sendable, Hashable, Codable {
    /// The ticket the event belongs to, when it belongs to one.
    public var ticket: String?
    /// The agent whose command caused the event.
    public var actor: String
    /// When the hub decided the event.
    public var at: Timestamp
    /// What happened.
    public var payload: EventPayload

    /// The event type name, such as `ticket.opened`.
    public var type: EventType { payload.type }

    /// Creates an event.
    public init(ticket: String?, actor: String, at: Timestamp, payload: EventPayload) {
        self.ticket = ticket
        self.actor = actor
        self.at = at
        self.payload = payload
    }

    private enum CodingKeys: String, CodingKey {
        case type, ticket, actor, at
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(EventType.self, forKey: .type)
        self.ticket = try container.decodeIfPresent(String.self, forKey: .ticket)
        self.actor = try container.decode(String.self, forKey: .actor)
        self.at = try container.decode(Timestamp.self, forKey: .at)
        self.payload = try EventPayload(type: type, from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(ticket, forKey: .ticket)
        try container.encode(actor, forKey: .actor)
        try container.encode(at, forKey: .at)
        try payload.encodeFields(to: encoder)
    }
}

/// The event type names of protocol v1.
public enum EventType: String, Codable, Sendable, CaseIterable {
    case ticketOpened = "ticket.opened"
    case swarmJoined = "swarm.joined"
    case swarmLeft = "swarm.left"
    case commentAdded = "comment.added"
    case ownerAdded = "owner.added"
    case ownerRemoved = "owner.removed"
    case statusChanged = "status.changed"
    case skillsChanged = "skills.changed"
    case presenceChanged = "presence.changed"
    case expertInvited = "expert.invited"
    case inviteAnswered = "invite.answered"
    case helpRequested = "help.requested"
    case ticketStalled = "ticket.stalled"
    case ticketEscalated = "ticket.escalated"
    case tiersChanged = "tiers.changed"
    case queueConfigured = "queue.configured"
    case slaWarning = "sla.warning"
    case slaBreached = "sla.breached"
    case kbCreated = "kb.created"
    case kbPublished = "kb.published"
    case kbSuggested = "kb.suggested"
    case kbApplied = "kb.applied"
    case workLogged = "work.logged"
    case alertRepeated = "alert.repeated"
    case alertRecovered = "alert.recovered"
    case mailBounced = "mail.bounced"
    case notifyChanged = "notify.changed"
    case attachmentAdded = "attachment.added"
}
