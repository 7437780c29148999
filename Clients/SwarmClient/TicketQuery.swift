public import SwarmProtocol

/// The filters and order of the work list, `GET /v1/tickets` (Protocol/README.md §20).
public struct TicketQuery: Sendable, Hashable {
    public var statuses: [TicketStatus] = []
    /// Only tickets not resolved or closed.
    public var openOnly = false
    public var queue: String?
    public var priorities: [Priority] = []
    /// A tag: tickets needing it or a tag under it.
    public var skill: String?
    public var owner: String?
    /// Tickets this agent swarms on or owns.
    public var member: String?
    /// Words every ticket must contain (title, description, comments you may see).
    public var text: String?
    /// `newest` (the hub's default), `priority`, `deadline`, `age`, `activity`.
    public var sort: String?

    public init() {}

    /// The query's items, in a stable order.
    var items: [(String, String)] {
        var items: [(String, String)] = []
        if !statuses.isEmpty { items.append(("status", statuses.map(\.rawValue).joined(separator: ","))) }
        if openOnly { items.append(("open", "true")) }
        if let queue { items.append(("queue", queue)) }
        if !priorities.isEmpty { items.append(("priority", priorities.map(\.rawValue).joined(separator: ","))) }
        if let skill { items.append(("skill", skill)) }
        if let owner { items.append(("owner", owner)) }
        if let member { items.append(("member", member)) }
        if let text { items.append(("q", text)) }
        if let sort { items.append(("sort", sort)) }
        return items
    }
}
