import Foundation
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How `swarm` checks a TLS hub (`https://`, `wss://`): the system's trusted CAs, plus the one
/// CA or self-signed certificate given with `--ca-cert FILE` / `SWARM_CA_CERT` or saved at login.
enum ClientTLS {
    /// The client configuration; `caCertificate` is a PEM file of certificates to trust as well.
    static func configuration(caCertificate: String?) throws(ClientError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        guard let caCertificate else { return configuration }
        guard let data = FileManager.default.contents(atPath: caCertificate) else {
            throw .usage("cannot read the CA certificate \(caCertificate) (--ca-cert or SWARM_CA_CERT)")
        }
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(Array(data))) ?? []
        guard !certificates.isEmpty else {
            throw .usage("the CA certificate \(caCertificate) holds no PEM certificate (--ca-cert or SWARM_CA_CERT)")
        }
        configuration.additionalTrustRoots = [.certificates(certificates)]
        return configuration
    }

    /// Whether `host` is an IPv4 or IPv6 literal rather than a DNS name.
    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }

    /// What a TLS failure means for the user, or `nil` when `text` is not one.
    static func explain(_ text: String) -> String? {
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("unableToValidateCertificate") {
            return "the hub's TLS certificate is not trusted; give its CA with --ca-cert FILE (or SWARM_CA_CERT)"
        }
        if text.contains("failedToValidateHostname") || text.contains("HOSTNAME_MISMATCH") {
            return "the hub's TLS certificate is not for this host name; use the name it was issued for"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("unexpectedEOF") || text.contains("handshakeFailed") {
            return
                "the TLS handshake failed (is the hub serving TLS on this port? use ws:// or http:// if not): \(text)"
        }
        return nil
    }
}
