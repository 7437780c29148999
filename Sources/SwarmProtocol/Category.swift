/// What a ticket is about.
public enum Category: String, Codable, Sendable, CaseIterable {
    case hardware
    case software
    case service
    case network
    case access
    case other

    public init(from decoder: any Decoder) throws {
        self = try decodeWireEnum(from: decoder)
    }
}
