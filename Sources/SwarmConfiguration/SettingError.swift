/// A value a setting refuses; the message says what is wrong and what is expected.
public struct SettingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for a person; it names the flag once ``Settings/apply(_:to:)`` has added it.
    public var message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
