/// Why a message could not be read or composed, with a stable code.
///
/// The hub maps these to its answer for `POST /v1/mail` once, at its edge: a message it cannot read is
/// refused as "not a message", never bounced by the mail module itself.
package struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a code that callers can match.
    package enum Code: String, Sendable, Equatable {
        /// No bytes at all.
        case empty
        /// The bytes are not an RFC 5322 message: GMime found no message, or no header in it.
        case notAMessage = "not_a_message"
        /// The message names no sender address in `From`.
        case noSender = "no_sender"
        /// An outgoing message was asked for with a value that cannot go into a header (an address
        /// without `@`, a Message-ID with spaces or angle brackets, a line break in a header).
        case invalidHeader = "invalid_header"
    }

    /// What went wrong.
    package var code: Code
    /// A sentence for people: what was wrong and with which value.
    package var message: String

    /// Creates an error with its code and message.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message, prefixed by the code.
    package var description: String { "\(code.rawValue): \(message)" }
}
