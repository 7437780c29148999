/// The lifecycle of a ticket: new → open → in_progress ⇄ waiting → resolved → closed, with reopen.
public enum TicketStatus: String, Codable, Sendable, CaseIterable, Comparable {
    case new
    case open
    case inProgress = "in_progress"
    case waiting
    case resolved
    case closed

    /// The statuses a ticket may move to from this one (see Protocol/README.md, "Status machine").
    public var allowedNext: [TicketStatus] {
        switch self {
        case .new: [.open, .inProgress, .resolved]
        case .open: [.inProgress, .waiting, .resolved]
        case .inProgress: [.waiting, .resolved, .open]
        case .waiting: [.inProgress, .resolved]
        case .resolved: [.closed, .open]
        case .closed: [.open]
        }
    }

    /// Whether work on the ticket has ended (resolved or closed).
    public var isDone: Bool { self == .resolved || self == .closed }

    public static func < (lhs: TicketStatus, rhs: TicketStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}
