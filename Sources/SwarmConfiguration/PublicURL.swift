import Foundation

/// The address people reach the hub at from outside (`--public-url`), as `https://help.example.com` or
/// with a path it is served under (`https://example.com/it`): what the hub's mail links to. Kept without
/// a trailing `/`, so paths are appended as `/portal/`.
public struct PublicURL: Sendable, Hashable, CustomStringConvertible {
    /// The URL, without a trailing `/`.
    public let text: String

    public init(parsing given: String) throws(SettingError) {
        guard let parts = URLComponents(string: given), let scheme = parts.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = parts.host, !host.isEmpty, parts.query == nil,
            parts.fragment == nil, parts.user == nil, parts.password == nil, given.utf8.count <= 2048,
            !given.contains(where: { $0.isWhitespace })
        else {
            throw SettingError(
                "must be the http:// or https:// address people open the hub at, like https://help.example.com, not '\(given)'"
            )
        }
        var text = given
        while text.hasSuffix("/") { text.removeLast() }
        self.text = text
    }

    /// The requesters' portal: `<url>/portal/`.
    public var portal: String { text + "/portal/" }

    public var description: String { text }
}
