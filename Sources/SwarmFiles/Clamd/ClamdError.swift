/// Why clamd gave no verdict, with a stable code.
///
/// None of these says a file is clean: a caller that must not keep unscanned files treats every one as
/// "not scanned" and decides by ``code`` whether trying again later may help (``Code/unreachable``,
/// ``Code/connectionLost``, ``Code/timeout``) or not (the rest).
package struct ClamdError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a code that callers can match.
    package enum Code: String, Sendable, Hashable {
        /// The address is not `unix:/absolute/path` or `tcp://host:port`; the message says what is wrong.
        case invalidAddress = "invalid_address"
        /// No connection: nothing listens at the address, the host does not answer, or the name does not
        /// resolve.
        case unreachable
        /// clamd closed the connection before it answered.
        case connectionLost = "connection_lost"
        /// clamd did not take the next bytes, or did not answer, within the client's timeout; or clamd's
        /// own read timeout ended the stream (`COMMAND READ TIMED OUT`).
        case timeout
        /// The stream is longer than clamd's `StreamMaxLength` (`INSTREAM size limit exceeded`).
        case sizeLimitExceeded = "size_limit_exceeded"
        /// clamd answered with an error of its own (`… ERROR`): it could not scan the stream.
        case scanFailed = "scan_failed"
        /// clamd's answer is not one the protocol has (`UNKNOWN COMMAND`, no `PONG`, no end, too long).
        case protocolError = "protocol_error"
        /// The stream of bytes to scan failed (the upload broke off); its error is the ``cause``.
        case inputFailed = "input_failed"
        /// The task was cancelled before clamd answered.
        case cancelled
    }

    /// What went wrong.
    package var code: Code
    /// A sentence for people: what was wrong, with the address or clamd's words.
    package var message: String
    /// The error underneath, when there is one (a socket's, the input stream's).
    package var cause: (any Error)?

    /// An error with its code, message and cause.
    package init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message, prefixed by the code.
    package var description: String { "\(code.rawValue): \(message)" }
}
