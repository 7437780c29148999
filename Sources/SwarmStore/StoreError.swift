/// A failure of the event store, with a stable code.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The log's last `seq` is not what the writer expected: another process wrote to it.
        case sequenceMismatch = "sequence_mismatch"
        /// A stored row could not be decoded.
        case corruptRow = "corrupt_row"
        /// A token request was refused (duplicate name with another role, unknown token…).
        case token
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
