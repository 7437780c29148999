/// Ticket priority, P1 (most urgent) to P4, derived from urgency × impact.
public enum Priority: String, Codable, Sendable, CaseIterable, Comparable {
    case p1 = "P1"
    case p2 = "P2"
    case p3 = "P3"
    case p4 = "P4"

    /// The priority matrix: rank(urgency) + rank(impact) − 1, capped at 4.
    ///
    /// | urgency \ impact | high | medium | low |
    /// |---|---|---|---|
    /// | high   | P1 | P2 | P3 |
    /// | medium | P2 | P3 | P4 |
    /// | low    | P3 | P4 | P4 |
    public init(urgency: Level, impact: Level) {
        switch min(4, urgency.rank + impact.rank - 1) {
        case 1: self = .p1
        case 2: self = .p2
        case 3: self = .p3
        default: self = .p4
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}
