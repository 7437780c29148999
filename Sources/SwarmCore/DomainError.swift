/// Why the domain refused a command. Mapped to a wire `ErrorCode` once, at the hub's edge.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal.
    public enum Kind: String, Sendable, Hashable {
        /// A field value breaks a rule (length, format, range).
        case invalid
        /// The thing named does not exist, or the caller may not see it.
        case notFound
        /// The role does not allow this.
        case forbidden
        /// Not allowed in the ticket's current state.
        case conflict
        /// Over a size limit (a file, a ticket's files).
        case tooLarge
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    static func invalid(_ message: String) -> DomainError { DomainError(.invalid, message) }
    static func notFound(_ message: String) -> DomainError { DomainError(.notFound, message) }
    static func forbidden(_ message: String) -> DomainError { DomainError(.forbidden, message) }
    static func conflict(_ message: String) -> DomainError { DomainError(.conflict, message) }
    static func tooLarge(_ message: String) -> DomainError { DomainError(.tooLarge, message) }
}
