public import SwarmProtocol

/// The exit statuses of `swarm`, one per kind of failure, so scripts can branch on them.
///
/// Documented in docs/swarm.md ("EXIT STATUS") and in `swarm --help`; 64 is ArgumentParser's own
/// status for a command line it cannot parse.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The command did what it was asked.
    case ok = 0
    /// Any other failure: the hub's `internal` or `rate_limited`, an unexpected answer, a local I/O error.
    case failure = 1
    /// The hub refused a value (`invalid_field`, `bad_frame`, `unknown_type`, `too_large`).
    case invalid = 2
    /// Not logged in, or the token is unknown or revoked (`unauthorized`).
    case auth = 3
    /// The token's role does not allow this (`forbidden`).
    case forbidden = 4
    /// No such ticket or agent (`not_found`).
    case notFound = 5
    /// Not allowed in the ticket's current state (`conflict`).
    case conflict = 6
    /// The hub cannot be reached, or the connection was lost before the answer came.
    case connection = 7
    /// The hub does not offer this command yet (no frame for it in protocol v1).
    case notOffered = 8
    /// The command line is wrong (ArgumentParser's status).
    case usage = 64

    /// One line per status, for `--help` and the docs.
    public var summary: String {
        switch self {
        case .ok: "ok"
        case .failure: "other failure: hub 'internal' or 'rate_limited', bad answer, local I/O"
        case .invalid: "the hub refused a value ('invalid_field', 'bad_frame', …)"
        case .auth: "not logged in, or unknown or revoked token ('unauthorized')"
        case .forbidden: "your role may not do this ('forbidden')"
        case .notFound: "no such ticket or agent ('not_found')"
        case .conflict: "not allowed in the current state ('conflict')"
        case .connection: "cannot reach the hub, or the connection was lost"
        case .notOffered: "the hub does not offer this command yet"
        case .usage: "wrong command line (usage)"
        }
    }
}

/// A failure `swarm` reports as `error: <code>: <message>` and an exit status.
///
/// `code` is the hub's wire error code when the hub refused something (`not_found`, `conflict`, …),
/// or one of the client's own: `connection`, `not_logged_in`, `not_offered`, `usage`, `failure`.
public struct ClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code: a wire `ErrorCode` raw value, or a client code.
    public var code: String
    /// What went wrong, for people.
    public var message: String
    /// The exit status this failure ends the process with.
    public var status: ExitStatus

    /// Creates an error with its code, message and exit status.
    public init(code: String, message: String, status: ExitStatus) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// An error the hub answered with.
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code.rawValue
        self.message = message
        self.status =
            switch code {
            case .badFrame, .unknownType, .invalidField, .tooLarge, .infected: .invalid
            case .unauthorized: .auth
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict, .epochChanged: .conflict
            case .rateLimited, .unavailable, .internal: .failure
            }
    }

    /// The hub's `error` frame as a client error.
    public init(_ frame: ErrorFrame) { self.init(frame.code, frame.message) }

    /// The hub cannot be reached or went away.
    public static func connection(_ message: String) -> ClientError {
        ClientError(code: "connection", message: message, status: .connection)
    }

    /// No server or token is configured.
    public static func notLoggedIn(_ message: String) -> ClientError {
        ClientError(code: "not_logged_in", message: message, status: .auth)
    }

    /// A command whose frames protocol v1 does not have.
    public static func notOffered(_ what: String, frame: String) -> ClientError {
        ClientError(
            code: "not_offered",
            message: "the hub does not offer \(what) yet (protocol v1 has no `\(frame)` frame)",
            status: .notOffered)
    }

    /// A wrong argument found after parsing (for example an invalid ticket id).
    public static func usage(_ message: String) -> ClientError {
        ClientError(code: "usage", message: message, status: .usage)
    }

    /// Anything else.
    public static func failure(_ message: String) -> ClientError {
        ClientError(code: "failure", message: message, status: .failure)
    }

    /// `code: message`, as printed after `error: `.
    public var description: String { "\(code): \(message)" }
}
