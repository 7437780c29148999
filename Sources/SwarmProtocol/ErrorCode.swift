/// The stable error codes of protocol v1, carried by `error` frames and REST error bodies.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    /// The frame is not a JSON object, or has no string `type`.
    case badFrame = "bad_frame"
    /// The frame's `type` is not a command this hub knows.
    case unknownType = "unknown_type"
    /// A field is missing, has the wrong type, or a value out of range.
    case invalidField = "invalid_field"
    /// No valid credentials: no `hello` yet, or an unknown or revoked token.
    case unauthorized
    /// The credentials are valid but the role does not allow this action.
    case forbidden
    /// The ticket, agent or other named thing does not exist (or is not visible to the caller).
    case notFound = "not_found"
    /// The command is well formed but not allowed in the current state.
    case conflict
    /// Too many commands in too short a time.
    case rateLimited = "rate_limited"
    /// The frame or body is larger than the configured limit.
    case tooLarge = "too_large"
    /// A `subscribe`'s `epoch` is not the log's: the hub now serves another log (a restored backup),
    /// whose `seq` numbers may mean other events. Load again and subscribe without `since`.
    case epochChanged = "epoch_changed"
    /// An uploaded file carries malware (the virus scanner named it); nothing was attached.
    case infected
    /// Something the hub needs for this request is not there (the virus scanner); nothing changed:
    /// retry later.
    case unavailable
    /// An unexpected failure of the hub; the command had no effect.
    case `internal`
}
