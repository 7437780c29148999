/// Where clamd listens: `unix:/run/clamav/clamd.ctl` (its `LocalSocket`) or `tcp://127.0.0.1:3310` (its
/// `TCPSocket` and `TCPAddr`; `tcp://[::1]:3310` for IPv6).
package enum ClamdAddress: Sendable, Hashable, CustomStringConvertible {
    /// A Unix domain socket, by its absolute path.
    case unix(path: String)
    /// A TCP listener, by host name or address (IPv6 without brackets) and port.
    case tcp(host: String, port: Int)

    /// The longest socket path, in bytes: `sun_path` holds 108 on Linux, its terminating NUL included.
    package static let maximumPathLength = 107

    /// Parses `unix:/PATH` or `tcp://HOST:PORT`; ``ClamdError/Code/invalidAddress`` with a message that says
    /// what is wrong and shows the form that is right.
    package init(parsing text: String) throws(ClamdError) {
        func invalid(_ why: String) -> ClamdError {
            ClamdError(.invalidAddress, "'\(text)' is not a clamd address: \(why)")
        }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw invalid("no socket path after unix:, like unix:/run/clamav/clamd.ctl") }
            guard path.hasPrefix("/") else {
                throw invalid("the socket path must be absolute, like unix:/run/clamav/clamd.ctl")
            }
            guard !path.utf8.contains(0) else { throw invalid("the socket path contains a NUL byte") }
            guard path.utf8.count <= Self.maximumPathLength else {
                throw invalid(
                    "the socket path is \(path.utf8.count) bytes long; a Unix socket's is at most "
                        + "\(Self.maximumPathLength)")
            }
            self = .unix(path: path)
        } else if text.hasPrefix("tcp://") {
            let rest = text.dropFirst("tcp://".count)
            let host: Substring
            let portText: Substring
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                    throw invalid("an IPv6 address must be in brackets with a port after it, like tcp://[::1]:3310")
                }
                host = rest[rest.index(after: rest.startIndex)..<close]
                portText = rest[rest.index(close, offsetBy: 2)...]
                guard host.contains(":") else { throw invalid("'\(host)' in brackets is not an IPv6 address") }
            } else {
                guard let colon = rest.lastIndex(of: ":") else {
                    throw invalid("no port; give tcp://HOST:PORT, like tcp://127.0.0.1:3310")
                }
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
                guard !host.contains(":") else {
                    throw invalid("an IPv6 address must be in brackets, like tcp://[::1]:3310")
                }
            }
            guard !host.isEmpty else { throw invalid("no host; give tcp://HOST:PORT, like tcp://127.0.0.1:3310") }
            guard !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" || $0 == "?" || $0 == "#" })
            else {
                throw invalid("'\(host)' is not a host name or address (a clamd address has no path, user or query)")
            }
            guard !portText.isEmpty else { throw invalid("no port after the host, like tcp://127.0.0.1:3310") }
            guard portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), let port = Int(portText),
                (1...65535).contains(port)
            else {
                throw invalid("the port '\(portText)' is not a number from 1 to 65535")
            }
            self = .tcp(host: String(host), port: port)
        } else {
            throw invalid("it must start with unix:/ (a socket path) or tcp:// (a host and port)")
        }
    }

    /// The address as it is written in a configuration: `unix:/PATH` or `tcp://HOST:PORT`.
    package var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }
}
