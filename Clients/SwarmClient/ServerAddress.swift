import Foundation

/// Where a hub is: scheme, host and port, from which the WebSocket and REST addresses follow.
///
/// People type a hub's address in many ways (`localhost:8080`, `http://hub:8080`,
/// `ws://hub:8080/v1/ws`); all of them name the same hub, so profiles store one canonical form.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// Whether the hub is reached over TLS (`https`/`wss`).
    public var secure: Bool
    public var host: String
    public var port: Int

    /// Parses `[scheme://]host[:port][/path]`; scheme `http`, `https`, `ws` or `wss`; port 8080 by default
    /// for plain connections, 443 with TLS. Returns `nil` for anything else.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var secure = false
        if let range = rest.range(of: "://") {
            switch rest[..<range.lowerBound].lowercased() {
            case "http", "ws": secure = false
            case "https", "wss": secure = true
            default: return nil
            }
            rest = rest[range.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var host = rest
        var port = secure ? 443 : 8080
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            host = rest[..<colon]
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "@" }) else { return nil }
        self.secure = secure
        self.host = String(host)
        self.port = port
    }

    /// `http://host:port` (or `https`), the form profiles store.
    public var description: String { "\(secure ? "https" : "http")://\(host):\(port)" }

    /// The WebSocket endpoint, `ws://host:port/v1/ws`.
    public var webSocketURL: String { "\(secure ? "wss" : "ws")://\(host):\(port)/v1/ws" }
}
