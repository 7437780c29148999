import Foundation
package import NIOSSL

/// The hub's TLS certificate and key (`swarmd serve --tls-cert FILE --tls-key FILE`), read and
/// checked once at start, so a missing, unreadable or invalid file stops the hub with its name
/// before it listens, instead of failing every handshake later.
///
/// The files are read only here: a renewed certificate takes effect at the next start.
public struct HubTLS: Sendable {
    /// The PEM file of the certificate chain, the hub's own certificate first.
    public let certificateFile: String
    /// The PEM file of the private key (unencrypted).
    public let keyFile: String
    /// What the server's TLS handler is built from.
    package let configuration: TLSConfiguration

    /// Reads and checks both files: each must be readable PEM, and the key must belong to the
    /// first certificate.
    public init(certificateFile: String, keyFile: String) throws(HubTLSError) {
        let certificates: [NIOSSLCertificate]
        let certificateBytes = try Self.read(certificateFile, what: "certificate", code: .certificateUnreadable)
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(certificateBytes)
        } catch {
            throw HubTLSError(.certificateInvalid, "the TLS certificate \(certificateFile) is not a PEM certificate")
        }
        guard !certificates.isEmpty else {
            throw HubTLSError(.certificateInvalid, "the TLS certificate \(certificateFile) holds no PEM certificate")
        }
        let keyBytes = try Self.read(keyFile, what: "key", code: .keyUnreadable)
        let key: NIOSSLPrivateKey
        do {
            // Without a passphrase callback BoringSSL refuses an encrypted key (it never prompts).
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw HubTLSError(
                .keyInvalid, "the TLS key \(keyFile) is not an unencrypted PEM private key (RSA, EC or Ed25519)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            // BoringSSL checks here that the key matches the certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw HubTLSError(
                .keyMismatch, "the TLS key \(keyFile) does not belong to the certificate \(certificateFile)")
        }
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.configuration = configuration
    }

    private static func read(_ path: String, what: String, code: HubTLSError.Code) throws(HubTLSError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HubTLSError(code, "the TLS \(what) file \(path) does not exist")
        }
        guard !isDirectory.boolValue else { throw HubTLSError(code, "the TLS \(what) file \(path) is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HubTLSError(code, "the TLS \(what) file \(path) cannot be read (permissions?)")
        }
        guard data.count <= 1 << 20 else { throw HubTLSError(code, "the TLS \(what) file \(path) is over 1 MiB") }
        return Array(data)
    }
}

/// Why the TLS files cannot be served: a stable code and a message that names the file.
public struct HubTLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable {
        case certificateUnreadable = "tls_certificate_unreadable"
        case certificateInvalid = "tls_certificate_invalid"
        case keyUnreadable = "tls_key_unreadable"
        case keyInvalid = "tls_key_invalid"
        case keyMismatch = "tls_key_mismatch"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
