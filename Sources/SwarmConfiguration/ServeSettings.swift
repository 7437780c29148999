import Foundation
public import Logging
public import SwarmCore

/// What `swarmd serve` can be told: the hub's configuration and the process's own settings (logs,
/// the files TLS and the metrics token are read from).
///
/// Every field is set through a ``Setting`` of ``Settings/all``; the defaults are the initial
/// values here and in ``HubConfiguration``.
public struct ServeSettings: Sendable {
    /// What the hub is given.
    public var hub: HubConfiguration
    /// The log level (`--log-level`). Default `info`.
    public var logLevel: Logger.Level = .info
    /// How log lines are written (`--log-format`). Default `text`.
    public var logFormat: LogFormat = .text
    /// The PEM certificate chain to serve TLS with (`--tls-cert`). Default: none.
    public var tlsCertificateFile: String? = nil
    /// The PEM private key of ``tlsCertificateFile`` (`--tls-key`). Default: none.
    public var tlsKeyFile: String? = nil
    /// The file the metrics token is read from (`--metrics-token-file`). Default: none.
    public var metricsTokenFile: String? = nil
    /// The SMTP relay the hub's mail goes through (`--smtp`). Default: none, no mail is sent.
    public var smtp: RelayURL? = nil
    /// The file the relay's `user:password` is read from (`--smtp-credentials`). Default: none.
    public var smtpCredentialsFile: String? = nil
    /// The hub's sender (`--mail-from`). Default: none; needed with `--smtp`.
    public var mailFrom: MailSender? = nil
    /// The language of the hub's mail (`--mail-language`). Default `en`.
    public var mailLanguage: MailLanguageChoice = .en

    /// The defaults, with `taxonomy` as the skills the hub matches on (the shipped one is the hub's
    /// resource: `HubConfiguration()` in SwarmHub picks it).
    public init(taxonomy: Taxonomy) {
        hub = HubConfiguration(taxonomy: taxonomy)
    }

    /// The defaults whatever the taxonomy: what the table shows and checks values against.
    static var defaults: ServeSettings { ServeSettings(taxonomy: .empty) }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        /// swift-log's text lines.
        case text
        /// One JSON object per line.
        case json
    }

    /// Checks what no single setting can: the TLS files come as a pair, the metrics listener needs a
    /// port of its own.
    public func validate() throws(SettingError) {
        switch (tlsCertificateFile, tlsKeyFile) {
        case (.some, nil): throw SettingError("--tls-cert needs --tls-key FILE, the certificate's private key")
        case (nil, .some): throw SettingError("--tls-key needs --tls-cert FILE, the certificate it belongs to")
        default: break
        }
        if let metrics = hub.metricsAddress, metrics.port != 0, metrics.port == hub.port {
            throw SettingError("--metrics-address must use another port than --port \(hub.port)")
        }
        switch (smtp, mailFrom) {
        case (.some, nil): throw SettingError("--smtp needs --mail-from, the address the hub's mail comes from")
        case (nil, .some): throw SettingError("--mail-from needs --smtp, the relay the hub's mail goes through")
        default: break
        }
        if smtpCredentialsFile != nil && smtp == nil {
            throw SettingError("--smtp-credentials needs --smtp, the relay they are for")
        }
    }

    /// Reads the files the settings name (the TLS certificate and key, the metrics token) into the
    /// hub's configuration; the error names the file and what is wrong with it.
    public func loaded() throws(SettingError) -> HubConfiguration {
        var hub = self.hub
        if let certificate = tlsCertificateFile, let key = tlsKeyFile {
            do {
                hub.tls = try HubTLS(certificateFile: certificate, keyFile: key)
            } catch {
                throw SettingError(error.message)
            }
        }
        if let path = metricsTokenFile { hub.metricsToken = try Self.readToken(path) }
        if let smtp, let mailFrom {
            hub.mailOut = MailOutConfiguration(
                relay: smtp,
                credentials: try smtpCredentialsFile.map { path throws(SettingError) in
                    try RelayCredentials.read(path: path)
                }, from: mailFrom, language: mailLanguage)
        }
        return hub
    }

    /// The token in a metrics token file: its first line, without surrounding white space.
    static func readToken(_ path: String) throws(SettingError) -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingError("--metrics-token-file: cannot read \(path): \(error.localizedDescription)")
        }
        let token = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let token, !token.isEmpty else {
            throw SettingError("--metrics-token-file: \(path) is empty; write the token on its first line")
        }
        let printable = token.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) }
        guard token.count >= 16, token.count <= 512, printable else {
            throw SettingError(
                "--metrics-token-file: the token in \(path) must be 16 to 512 printable ASCII characters without spaces"
            )
        }
        return token
    }
}
