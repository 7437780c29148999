import SwarmFiles
import Testing

/// `unix:/path` and `tcp://host:port`, and a precise error for anything else.
@Suite("clamd addresses")
struct ClamdAddressTests {
    @Test("the two forms parse, and print back as written")
    func valid() throws {
        #expect(try ClamdAddress(parsing: "unix:/run/clamav/clamd.ctl") == .unix(path: "/run/clamav/clamd.ctl"))
        #expect(try ClamdAddress(parsing: "tcp://127.0.0.1:3310") == .tcp(host: "127.0.0.1", port: 3310))
        #expect(try ClamdAddress(parsing: "tcp://clamav.internal:3310") == .tcp(host: "clamav.internal", port: 3310))
        #expect(try ClamdAddress(parsing: "tcp://[::1]:3310") == .tcp(host: "::1", port: 3310))
        for text in ["unix:/run/clamav/clamd.ctl", "tcp://127.0.0.1:3310", "tcp://[::1]:3310"] {
            #expect(try ClamdAddress(parsing: text).description == text)
        }
    }

    @Test(
        "a bad address says what is wrong with it",
        arguments: [
            ("", "must start with unix:/ (a socket path) or tcp://"),
            ("/run/clamav/clamd.ctl", "must start with unix:/ (a socket path) or tcp://"),
            ("clamd.example:3310", "must start with unix:/"),
            ("http://127.0.0.1:3310", "must start with unix:/"),
            ("unix:", "no socket path after unix:"),
            ("unix:clamd.ctl", "the socket path must be absolute"),
            ("unix://run/clamd.ctl", ""),  // valid: the path //run/clamd.ctl
            ("unix:/tmp/a\u{0}b", "contains a NUL byte"),
            ("unix:/" + String(repeating: "x", count: 107), "is 108 bytes long; a Unix socket's is at most 107"),
            ("tcp://", "no port"),
            ("tcp://127.0.0.1", "no port; give tcp://HOST:PORT"),
            ("tcp://:3310", "no host"),
            ("tcp://127.0.0.1:", "no port after the host"),
            ("tcp://127.0.0.1:0", "the port '0' is not a number from 1 to 65535"),
            ("tcp://127.0.0.1:65536", "the port '65536' is not a number from 1 to 65535"),
            ("tcp://127.0.0.1:33a0", "the port '33a0' is not a number"),
            ("tcp://127.0.0.1:+3310", "the port '+3310' is not a number"),
            ("tcp://::1:3310", "an IPv6 address must be in brackets, like tcp://[::1]:3310"),
            ("tcp://[::1]", "must be in brackets with a port after it"),
            ("tcp://[127.0.0.1]:3310", "in brackets is not an IPv6 address"),
            ("tcp://clamd.example/scan:3310", "is not a host name or address"),
            ("tcp://user@clamd.example:3310", "is not a host name or address"),
            ("tcp://clamd example:3310", "is not a host name or address"),
        ])
    func invalid(text: String, expected: String) {
        do {
            let address = try ClamdAddress(parsing: text)
            #expect(expected.isEmpty, "'\(text)' parsed as \(address)")
        } catch {
            #expect(error.code == .invalidAddress)
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains("'\(text)'"), "the message names the address: \(error.message)")
        }
    }
}
