public import Foundation

/// A self-signed certificate for `localhost` and `127.0.0.1`, made by the `openssl` command in a
/// fresh temporary folder: what an operator trying TLS would make, and what the clients are told
/// to trust (`--ca-cert`, `SWARM_CA_CERT`, the C client's `--ca-file`).
public struct TestCertificate: Sendable {
    /// The PEM certificate (`swarmd serve --tls-cert`, and the clients' CA file).
    public let certificate: String
    /// Its unencrypted PEM private key (`swarmd serve --tls-key`).
    public let key: String
    /// The folder both are in.
    public let folder: URL

    /// Makes a certificate valid for two days; `commonName` also goes into its subject alternative
    /// names with `localhost` and `127.0.0.1`.
    public static func make(commonName: String = "localhost") async throws -> TestCertificate {
        let folder = try temporaryDirectory()
        let certificate = folder.appendingPathComponent("hub.pem").path
        let key = folder.appendingPathComponent("hub-key.pem").path
        let status = try await SwarmdProcess.runTool(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=\(commonName)",
                "-addext", "subjectAltName=DNS:\(commonName),DNS:localhost,IP:127.0.0.1",
            ])
        guard status == 0, FileManager.default.fileExists(atPath: certificate) else {
            throw TestFailure("openssl could not make a test certificate (exit \(status)); is openssl installed?")
        }
        return TestCertificate(certificate: certificate, key: key, folder: folder)
    }
}
