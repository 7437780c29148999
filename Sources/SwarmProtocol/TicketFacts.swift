/// What the notices need to know of a ticket: whose it is, who works on it, and its title.
///
/// The hub makes them from its state; a client fills them from a `ticket.opened` it saw or from
/// `GET /v1/tickets/{id}`, then keeps them current
/// from the events that change it. The events that change *my* place on a ticket (I join, leave,
/// am made or unmade an owner, am assigned) all reach my `agent:` channel, so following that
/// channel keeps these facts true for me.
public struct TicketFacts: Sendable, Hashable {
    public var title: String
    /// Whoever opened it (an agent id, or a requester's name or address).
    public var requester: String
    public var members: [String]
    public var owners: [String]
    /// The agent carrying it at its tier, in a tiered or hybrid queue.
    public var assignee: String?

    /// Facts as given.
    public init(title: String, requester: String, members: [String], owners: [String], assignee: String? = nil) {
        self.title = title
        self.requester = requester
        self.members = members
        self.owners = owners
        self.assignee = assignee
    }

    /// The facts of a ticket as the hub sent it.
    public init(_ ticket: Ticket) {
        self.init(
            title: ticket.title, requester: ticket.requester, members: ticket.members, owners: ticket.owners,
            assignee: ticket.assignee)
    }

    /// Whether `agent` answers for the ticket: an owner, or its assignee at its tier.
    public func isCarried(by agent: String) -> Bool { owners.contains(agent) || assignee == agent }

    /// Whether `agent` works on it: a member of its swarm, an owner or its assignee.
    public func isWorked(by agent: String) -> Bool { members.contains(agent) || isCarried(by: agent) }

    /// The facts after `event` of this ticket, as the hub's `apply` changes them.
    public mutating func apply(_ payload: EventPayload) {
        switch payload {
        case .ticketOpened(let ticket):
            self = TicketFacts(ticket)
        case .swarmJoined(let agent):
            if !members.contains(agent) { members.append(agent) }
        case .swarmLeft(let agent):
            members.removeAll { $0 == agent }
            owners.removeAll { $0 == agent }
        case .ownerAdded(let agent):
            if !members.contains(agent) { members.append(agent) }
            if !owners.contains(agent) { owners.append(agent) }
        case .ownerRemoved(let agent):
            owners.removeAll { $0 == agent }
        case .ticketEscalated(let escalation):
            assignee = escalation.assignee
        default:
            break
        }
    }
}
