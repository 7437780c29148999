public import Foundation

/// `welcome {id?, agent, role, server, protocol, seq, epoch}`: the answer to `hello` (or sent at once
/// when the upgrade carried `Authorization: Bearer`).
public struct Welcome: Codable, Sendable, Hashable {
    public var type = "welcome"
    public var id: String?
    public var agent: String
    public var role: Role
    public var server: String
    public var `protocol`: Int
    /// The latest `seq` in the log when the session began.
    public var seq: Int64
    /// The log's epoch: `seq` numbers mean the same events only within one epoch (a restored backup
    /// has a new one). `nil` from a hub made before the epoch (CHANGELOG, 2026-12-04).
    public var epoch: String?

    public init(id: String?, agent: String, role: Role, server: String, seq: Int64, epoch: String?) {
        self.id = id
        self.agent = agent
        self.role = role
        self.server = server
        self.protocol = ProtocolInfo.version
        self.seq = seq
        self.epoch = epoch
    }
}

/// `ack {id, seq?, ticket?}`: the command with this `id` took effect.
public struct Ack: Codable, Sendable, Hashable {
    public var type = "ack"
    public var id: String
    /// The `seq` of the command's last event; for `subscribe`, the latest `seq` in the log.
    public var seq: Int64?
    /// The new ticket's id, on the ack of `ticket.open`.
    public var ticket: String?
    /// The new article's id, on the ack of `kb.create` and `kb.capture`.
    public var article: String?
    /// The new attachment's id, on the answer of an upload (`POST /v1/tickets/{id}/attachments`).
    public var attachment: String?
    /// The matches, on the ack of `kb.search`.
    public var articles: [ArticleMatch]?
    /// `true` on the ack of a `ticket.open` whose `dedupKey` matched an open ticket: `ticket` is that
    /// ticket, and the open was logged as `alert.repeated` on it.
    public var repeated: Bool?
    /// `true` on the ack of an `alert.resolve` whose key matched no open ticket the sender may see:
    /// nothing was logged.
    public var unknown: Bool?
    /// The log's epoch, on the ack of `subscribe` (as in `welcome`).
    public var epoch: String?

    public init(id: String, seq: Int64?, ticket: String? = nil) {
        self.id = id
        self.seq = seq
        self.ticket = ticket
    }
}

/// `error {id?, code, message}`: the command with this `id` (or the frame) had no effect.
public struct ErrorFrame: Codable, Sendable, Hashable {
    public var type = "error"
    public var id: String?
    public var code: ErrorCode
    public var message: String

    public init(id: String?, code: ErrorCode, message: String) {
        self.id = id
        self.code = code
        self.message = message
    }
}

/// `event {seq, channel, event}`: one event of the log, delivered on one subscribed channel.
public struct EventFrame: Codable, Sendable, Hashable {
    public var type = "event"
    public var seq: Int64
    public var channel: String
    public var event: SwarmEvent

    public init(seq: Int64, channel: String, event: SwarmEvent) {
        self.seq = seq
        self.channel = channel
        self.event = event
    }
}

/// `pong {id?}`: the answer to `ping`.
public struct Pong: Codable, Sendable, Hashable {
    public var type = "pong"
    public var id: String?
    public init(id: String?) { self.id = id }
}

/// `activity {channel, ticket, agent, activity, at, expires}`: ephemeral — someone is viewing a
/// ticket or typing a comment on it. Never logged, no `seq`; it holds until `expires` unless repeated.
public struct Activity: Codable, Sendable, Hashable {
    /// What the agent is doing.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case viewing
        case typing
    }

    public var type = "activity"
    public var channel: String
    public var ticket: String
    public var agent: String
    public var activity: Kind
    public var at: Timestamp
    public var expires: Timestamp

    public init(ticket: String, agent: String, activity: Kind, at: Timestamp, expires: Timestamp) {
        self.channel = "ticket:\(ticket)"
        self.ticket = ticket
        self.agent = agent
        self.activity = activity
        self.at = at
        self.expires = expires
    }

    /// How long a notice holds: a viewer repeats it while the ticket is on screen, a typist while typing.
    public static func lifetime(_ kind: Kind) -> Int64 { kind == .viewing ? 60_000 : 10_000 }
}

/// Any frame the hub sends, for clients that read them.
public enum ServerFrame: Sendable, Hashable, Decodable {
    case welcome(Welcome)
    case ack(Ack)
    case error(ErrorFrame)
    case event(EventFrame)
    case pong(Pong)
    case activity(Activity)
    case metricsUpdated(MetricsUpdated)

    private struct Header: Decodable { var type: String }

    public init(from decoder: any Decoder) throws {
        let type = try Header(from: decoder).type
        switch type {
        case "welcome": self = .welcome(try Welcome(from: decoder))
        case "ack": self = .ack(try Ack(from: decoder))
        case "error": self = .error(try ErrorFrame(from: decoder))
        case "event": self = .event(try EventFrame(from: decoder))
        case "pong": self = .pong(try Pong(from: decoder))
        case "activity": self = .activity(try Activity(from: decoder))
        case "metrics.updated": self = .metricsUpdated(try MetricsUpdated(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown frame type '\(type)'"))
        }
    }

    /// Decodes one frame sent by the hub.
    public static func decode(_ text: String) throws -> ServerFrame {
        try JSONDecoder().decode(ServerFrame.self, from: Data(text.utf8))
    }
}

/// The JSON settings every encoder of the protocol uses.
public enum SwarmJSON {
    /// A new encoder with sorted keys, so equal values always give equal bytes.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// One encoder with these settings for every caller: its settings never change after this line,
    /// and encoding with it is safe from any thread, so a reply does not make an encoder of its own.
    public static let shared: JSONEncoder = encoder()

    /// Encodes a value as a UTF-8 JSON string.
    public static func string(_ value: some Encodable) throws -> String {
        String(decoding: try shared.encode(value), as: UTF8.self)
    }
}
