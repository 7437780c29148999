/// A channel a client subscribes to: `ticket:<id>`, `queue:<name>` or `agent:<id>`.
public enum Channel: Sendable, Hashable, CustomStringConvertible, Comparable {
    case ticket(String)
    case queue(String)
    case agent(String)

    /// The wire name, `ticket:T-1`.
    public var description: String {
        switch self {
        case .ticket(let id): "ticket:\(id)"
        case .queue(let name): "queue:\(name)"
        case .agent(let id): "agent:\(id)"
        }
    }

    /// Parses a wire name; `nil` when the prefix is unknown or the name is empty or too long.
    public init?(_ text: String) {
        guard text.utf8.count <= 128, let colon = text.firstIndex(of: ":") else { return nil }
        let name = String(text[text.index(after: colon)...])
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "\\" }) else {
            return nil
        }
        switch text[..<colon] {
        case "ticket": self = .ticket(name)
        case "queue": self = .queue(name)
        case "agent": self = .agent(name)
        default: return nil
        }
    }

    public static func < (lhs: Channel, rhs: Channel) -> Bool { lhs.description < rhs.description }
}
