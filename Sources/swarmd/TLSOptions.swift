import ArgumentParser
import SwarmHub

/// `--tls-cert` and `--tls-key` of `swarmd serve`: serve HTTPS and `wss://` with a PEM certificate
/// chain and its key (docs/operations.md, "TLS").
struct TLSOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp(
            "Serve HTTPS and wss:// with this PEM certificate chain (the hub's certificate first); needs --tls-key.",
            valueName: "file"))
    var certificate: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp("The unencrypted PEM private key of --tls-cert.", valueName: "file"))
    var key: String?

    func validate() throws {
        switch (certificate, key) {
        case (.some, nil): throw ValidationError("--tls-cert needs --tls-key FILE, the certificate's private key")
        case (nil, .some): throw ValidationError("--tls-key needs --tls-cert FILE, the certificate it belongs to")
        case (.some(let certificate), .some(let key)):
            guard !certificate.isEmpty, !key.isEmpty else {
                throw ValidationError("--tls-cert and --tls-key must name files")
            }
        case (nil, nil): break
        }
    }

    /// The files read and checked, or `nil` without TLS; a bad file ends the command with status 2.
    func load() throws -> HubTLS? {
        guard let certificate, let key else { return nil }
        do {
            return try HubTLS(certificateFile: certificate, keyFile: key)
        } catch {
            complain("error: \(error.message)")
            throw ExitCode(2)
        }
    }
}
