public import Foundation

/// A frame sent by a client: its `id` and the command it carries.
public struct ClientFrame: Sendable, Hashable {
    /// The client-chosen id that the hub's `ack` or `error` echoes.
    public var id: String?
    /// What the client asks for.
    public var message: ClientMessage

    /// Creates a frame.
    public init(id: String?, message: ClientMessage) {
        self.id = id
        self.message = message
    }

    /// The longest accepted `id`.
    public static let maxIDLength = 128
}

/// Every client frame of protocol v1: the session's own (hello, subscribe, ping, the ephemeral notices,
/// the knowledge-base search) and the commands that change state.
public enum ClientMessage: Sendable, Hashable {
    case hello(Hello)
    case subscribe(ChannelRequest)
    case unsubscribe(ChannelRequest)
    /// A read: answered by an `ack` with `articles`, nothing logged.
    case kbSearch(KBSearch)
    /// Ephemeral: the sender is looking at the ticket. Broadcast, never logged.
    case ticketViewing(TicketRef)
    /// Ephemeral: the sender is writing a comment on the ticket. Broadcast, never logged.
    case ticketTyping(TicketRef)
    case ping
    /// A command: decided by the ledger, logged, acknowledged with its `seq`.
    case command(ClientCommand)
}

/// The client frames that change state, each carrying its payload as the protocol defines it. The
/// hub's `Command` wraps these; REST routes build them from their bodies.
public enum ClientCommand: Sendable, Hashable {
    case ticketOpen(TicketOpen)
    case swarmJoin(TicketRef)
    case swarmLeave(TicketRef)
    case commentAdd(CommentAdd)
    case ownerAdd(OwnerChange)
    case ownerRemove(OwnerChange)
    case ticketStatus(StatusChange)
    case skillsSet(SkillsSet)
    case presenceSet(PresenceSet)
    case notifySet(NotifySet)
    case ticketInvite(TicketInvite)
    case inviteAnswer(InviteAnswer)
    case helpRequest(HelpRequest)
    case ticketEscalate(TicketEscalate)
    case tiersSet(TiersSet)
    case kbCreate(KBCreate)
    case kbCapture(TicketRef)
    case kbPublish(KBPublish)
    case kbApply(KBApply)
    case workLog(WorkLog)
    /// A monitor reports that an alert recovered.
    case alertResolve(AlertResolve)
}

/// Why a frame could not be decoded: the wire error code, a message for people, and the frame's
/// `id` when it could be read.
public struct FrameError: Error, Sendable, Hashable {
    public var code: ErrorCode
    public var message: String
    public var id: String?

    public init(code: ErrorCode, message: String, id: String? = nil) {
        self.code = code
        self.message = message
        self.id = id
    }
}

extension ClientFrame {
    /// Decodes one text frame. Unknown extra fields are ignored, so newer clients can talk to older
    /// hubs; the text must be strict JSON (``StrictJSON``). The frame is parsed once: the strict
    /// check scans the bytes, then one decoding reads `type`, `id` and the payload together.
    public static func decode(_ data: Data) throws(FrameError) -> ClientFrame {
        do {
            try StrictJSON.check(data)
        } catch {
            throw FrameError(code: error.code, message: error.message)
        }
        do {
            return try JSONDecoder().decode(Decoded.self, from: data).frame
        } catch let error as FrameError {
            throw error
        } catch {
            throw FrameError(code: .badFrame, message: "a frame must be valid JSON")
        }
    }

    /// Decodes one text frame from the message's own UTF-8 bytes, without copying them.
    public static func decode(_ text: String) throws(FrameError) -> ClientFrame {
        var text = text
        // Native strings are contiguous UTF-8 already; `makeContiguousUTF8` only copies one that is not.
        text.makeContiguousUTF8()
        let result = text.utf8.withContiguousStorageIfAvailable { bytes -> Result<ClientFrame, FrameError> in
            guard let base = bytes.baseAddress else { return Result { () throws(FrameError) in try decode(Data()) } }
            let data = Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none)
            return Result { () throws(FrameError) in try decode(data) }
        }
        return try (result ?? Result { () throws(FrameError) in try decode(Data(text.utf8)) }).get()
    }

    /// One frame, decoded in one pass; its failures are ``FrameError``s with the frame's `id` once
    /// that could be read.
    private struct Decoded: Decodable {
        var frame: ClientFrame

        private enum Keys: String, CodingKey { case type, id }

        init(from decoder: any Decoder) throws {
            let container: KeyedDecodingContainer<Keys>
            do {
                container = try decoder.container(keyedBy: Keys.self)
            } catch {
                throw FrameError(code: .badFrame, message: "a frame must be a JSON object")
            }
            let name = try Self.string(.type, in: container)
            let id = try Self.string(.id, in: container)
            if let id, id.isEmpty || id.count > maxIDLength {
                throw FrameError(code: .invalidField, message: "field 'id' must have 1 to \(maxIDLength) characters")
            }
            guard let name else {
                throw FrameError(code: .badFrame, message: "a frame needs a string field 'type'", id: id)
            }
            guard let type = FrameType(rawValue: name) else {
                throw FrameError(code: .unknownType, message: "unknown frame type '\(name)'", id: id)
            }
            let message: ClientMessage
            do {
                message = try ClientMessage(type, from: decoder)
            } catch let error as DecodingError {
                throw FrameError(code: .invalidField, message: error.fieldMessage, id: id)
            } catch {
                throw FrameError(code: .badFrame, message: "unreadable frame", id: id)
            }
            guard id != nil || message == .ping else {
                throw FrameError(code: .invalidField, message: "missing field 'id'", id: nil)
            }
            frame = ClientFrame(id: id, message: message)
        }

        private static func string(_ key: Keys, in container: KeyedDecodingContainer<Keys>) throws -> String? {
            do {
                return try container.decodeIfPresent(String.self, forKey: key)
            } catch {
                throw FrameError(code: .badFrame, message: "field '\(key.rawValue)' must be a string")
            }
        }
    }
}

extension ClientFrame: Encodable {
    private enum Keys: String, CodingKey { case type, id }

    /// Encodes the frame as the wire has it: `type`, `id` and the payload's fields in one object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        let (type, payload) = message.parts
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(id, forKey: .id)
        try payload?.encode(to: encoder)
    }
}

extension DecodingError {
    /// A message naming the offending field, for `invalid_field` errors.
    public var fieldMessage: String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(Self.describe(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(Self.describe(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body must be valid JSON" }
            return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "invalid field"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is [String].Type, is [Any].Type: "an array"
        case is [String: Int].Type: "an object of integers"
        case is [Int].Type: "an array of integers"
        default: "of type \(type)"
        }
    }
}
