import Foundation
import SwarmProtocol

/// The hub's mail out (`--smtp`, `--smtp-credentials`, `--mail-from`, `--mail-language`): where mail
/// goes, who it is from, and in which language the hub writes. `nil` in ``HubConfiguration`` when no
/// relay is set: the hub then sends no mail.
public struct MailOutConfiguration: Sendable, Hashable {
    public var relay: RelayURL
    public var credentials: RelayCredentials?
    public var from: MailSender
    public var language: MailLanguageChoice

    public init(relay: RelayURL, credentials: RelayCredentials? = nil, from: MailSender, language: MailLanguageChoice) {
        self.relay = relay
        self.credentials = credentials
        self.from = from
        self.language = language
    }
}

/// The languages the hub writes mail in.
public enum MailLanguageChoice: String, Sendable, Hashable, CaseIterable {
    case de, en
}

/// An SMTP relay's URL: `smtp://host[:port]` (STARTTLS when the relay offers it) or
/// `smtps://host[:port]` (TLS from the first byte); nothing after the port.
public struct RelayURL: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(parsing text: String) throws(SettingError) {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = parts.host, !host.isEmpty,
            parts.path.isEmpty || parts.path == "/", parts.query == nil, parts.user == nil, parts.fragment == nil
        else {
            throw SettingError(
                "must be smtp://host[:port] (STARTTLS when offered) or smtps://host[:port], not '\(text)'")
        }
        self.text = text
    }

    public var description: String { text }
}

/// A user and a password for the relay's `AUTH`.
public struct RelayCredentials: Sendable, Hashable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Reads a credentials file: its first line, `user:password` (the password may hold colons).
    public static func read(path: String) throws(SettingError) -> RelayCredentials {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingError("--smtp-credentials: cannot read \(path): \(error.localizedDescription)")
        }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = trimmed.firstIndex(of: ":"), colon != trimmed.startIndex else {
            throw SettingError("--smtp-credentials: \(path) must hold user:password on its first line")
        }
        return RelayCredentials(
            user: String(trimmed[..<colon]), password: String(trimmed[trimmed.index(after: colon)...]))
    }
}

/// The hub's sender: `IT-Hilfe <it@example.com>` or `it@example.com`.
public struct MailSender: Sendable, Hashable, CustomStringConvertible {
    public var name: String?
    public var address: String

    public init(parsing text: String) throws(SettingError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var name: String? = nil
        var address = trimmed
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            name = display.isEmpty ? nil : display
        }
        // The same rule for an address as a requester's (RequesterName), so the hub's own passes it too.
        guard case .address(let local, let domain)? = RequesterName(parsing: address),
            !(name ?? "").contains(where: { $0.isNewline || $0 == "<" || $0 == ">" })
        else {
            throw SettingError(
                "must be an address, or a name and an address like 'IT-Hilfe <it@example.com>', not '\(text)'")
        }
        self.name = name
        self.address = "\(local.lowercased())@\(domain)"
    }

    /// The domain of the address: where the hub's Message-IDs end.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    public var description: String { name.map { "\($0) <\(address)>" } ?? address }
}
