/// Why a ``MediaSniffer`` could not be made: libmagic could not open a handle or load its database.
package struct MediaSnifferError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with libmagic's own reason.
    package var message: String

    /// An error with `message`.
    init(_ message: String) { self.message = message }

    package var description: String { message }
}
