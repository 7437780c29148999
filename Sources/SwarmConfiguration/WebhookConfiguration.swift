import Foundation
public import SwarmProtocol

/// One outgoing webhook: where the hub posts the news of a team's swarm, in which format, signed with
/// which secret, and which events and channels it carries (the `webhooks:` list of the configuration
/// file; docs/operations.md, "Webhooks").
public struct WebhookConfiguration: Sendable, Hashable {
    /// The hook's name: lower-case letters, digits, `-` and `_`; part of every delivery's id, so a
    /// renamed hook is a new hook (it starts at the log's end).
    public var name: String
    /// Where the hub posts: `http://` or `https://`.
    public var url: WebhookURL
    public var format: WebhookFormat
    /// The key of the HMAC-SHA256 signature (`X-Swarm-Signature`), read from `secret_file`.
    public var secret: [UInt8]
    /// The event types the hook carries; ``defaultEvents`` when the file names none.
    public var events: Set<EventType>
    /// The channels the hook carries (an event is carried when it was published on any of them); every
    /// channel when empty.
    public var channels: Set<String>
    /// Whether internal notes, and the notes of help requests and work logs, are carried. Default: no.
    public var internalNotes: Bool

    public init(
        name: String, url: WebhookURL, format: WebhookFormat, secret: [UInt8],
        events: Set<EventType> = WebhookConfiguration.defaultEvents, channels: Set<String> = [],
        internalNotes: Bool = false
    ) {
        self.name = name
        self.url = url
        self.format = format
        self.secret = secret
        self.events = events
        self.channels = channels
        self.internalNotes = internalNotes
    }

    /// What a hook carries when it names no events: what a team acts on, without the chatter of
    /// presence, skills and the knowledge base.
    public static let defaultEvents: Set<EventType> = [
        .ticketOpened, .commentAdded, .statusChanged, .ownerAdded, .expertInvited, .inviteAnswered, .helpRequested,
        .ticketEscalated, .ticketStalled, .slaWarning, .slaBreached, .alertRecovered, .mailBounced,
    ]

    /// Whether `name` can name a hook.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "_")
            }
    }

    /// Reads a secret file: its first line without surrounding white space, at least 16 bytes.
    public static func readSecret(path: String) throws(SettingError) -> [UInt8] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingError("cannot read \(path): \(error.localizedDescription)")
        }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let secret = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.utf8.count >= 16 else {
            throw SettingError("\(path) must hold a secret of at least 16 characters on its first line")
        }
        return Array(secret.utf8)
    }
}

/// The body a hook is posted, by what receives it.
public enum WebhookFormat: String, Sendable, Hashable, CaseIterable {
    /// `{"text": …}`: Slack's incoming webhooks and the Slack-compatible ones of Mattermost and Rocket.Chat.
    case slack
    /// A message with an Adaptive Card: Microsoft Teams (a Workflows webhook or an Incoming Webhook).
    case teams
    /// A Matrix `m.text` message's content with the `text`/`html` keys of matrix-hookshot's webhooks.
    case matrix
    /// The event as the protocol encodes it, with the hook's and the delivery's ids: for anything else.
    case json
}

/// A hook's URL: `http://` or `https://`, a host, no user or password in it.
public struct WebhookURL: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(parsing text: String) throws(SettingError) {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty, parts.user == nil,
            parts.password == nil, parts.fragment == nil, !text.contains(where: { $0.isWhitespace })
        else {
            throw SettingError("must be an http:// or https:// URL with a host, not '\(Self.redacted(text))'")
        }
        self.text = text
    }

    /// The scheme and the host only: a chat's webhook URL holds its secret in its path, so logs and
    /// errors show no more than this.
    public var description: String { Self.redacted(text) }

    static func redacted(_ text: String) -> String {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme, let host = parts.host else {
            return "…"
        }
        return "\(scheme)://\(host)\(parts.port.map { ":\($0)" } ?? "")/…"
    }
}
