public import SwarmCore
public import SwarmProtocol

/// An error the hub reports to a client: a wire code and a message for people.
///
/// Domain and decoding errors are mapped to wire codes here, once, at the hub's edge.
public struct HubError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// For `rate_limited`: whole seconds until a retry may pass (REST: `Retry-After`).
    public var retryAfter: Int?

    public init(_ code: ErrorCode, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public init(_ error: DomainError) {
        switch error.kind {
        case .invalid: self.init(.invalidField, error.message)
        case .notFound: self.init(.notFound, error.message)
        case .forbidden: self.init(.forbidden, error.message)
        case .conflict: self.init(.conflict, error.message)
        case .tooLarge: self.init(.tooLarge, error.message)
        }
    }

    public init(_ error: FrameError) {
        self.init(error.code, error.message)
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static let shuttingDown = HubError(.internal, "the hub is shutting down; retry with the same id after it restarts")
}
