/// A host and port to listen on.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A host name or address (IPv6 without brackets).
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[::1]:9090` for IPv6); the message says what is wrong.
    public init(parsing text: String) throws(ListenAddressError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError("'\(text)' must be [IPv6]:PORT, like [::1]:9090")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw ListenAddressError("'\(text)' must be HOST:PORT, like 127.0.0.1:9090 or [::1]:9090")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else {
            throw ListenAddressError("'\(text)' has no host; give HOST:PORT, like 127.0.0.1:9090")
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ListenAddressError("'\(text)' has no port from 0 to 65535 after the host")
        }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A `HOST:PORT` that is not one.
public struct ListenAddressError: Error, Sendable {
    /// What is wrong, for a person.
    public var message: String

    /// An error with `message`.
    init(_ message: String) { self.message = message }
}
