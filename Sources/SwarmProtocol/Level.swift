/// Urgency or impact of a ticket.
public enum Level: String, Codable, Sendable, CaseIterable {
    case high
    case medium
    case low

    /// 1 for high, 2 for medium, 3 for low: the rank used by the priority matrix.
    public var rank: Int {
        switch self {
        case .high: 1
        case .medium: 2
        case .low: 3
        }
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}
