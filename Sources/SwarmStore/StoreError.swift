/// A failure of the event store, with a stable code.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The log's last `seq` is not what the writer expected: another process wrote to it.
        case sequenceMismatch = "sequence_mismatch"
        /// A stored row could not be decoded.
        case corruptRow = "corrupt_row"
        /// A token request was refused (duplicate name with another role, unknown token…).
        case token
        /// A command id of the batch was already committed, by this node or another: nothing of the
        /// batch was written; the caller loads the first ack and decides again.
        case duplicateCommand = "duplicate_command"
        /// The database server could not be reached, or the connection broke: nothing was written.
        case unavailable
        /// The database location (a PostgreSQL URL) is not usable.
        case invalidLocation = "invalid_location"
        /// The database server refused a statement for another reason (its message says why).
        case database
        /// A copy was refused because the target already holds a log, tokens or command ids.
        case notEmpty = "not_empty"
        /// A copied log does not read back the same as its source.
        case verification
        /// The database's schema is newer than this program, or a migration failed.
        case migration
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
