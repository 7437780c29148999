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

/// The commands of protocol v1, one case per frame `type`.
public enum ClientMessage: Sendable, Hashable {
    case hello(Hello)
    case subscribe(ChannelRequest)
    case unsubscribe(ChannelRequest)
    case ticketOpen(TicketOpen)
    case swarmJoin(TicketRef)
    case swarmLeave(TicketRef)
    case commentAdd(CommentAdd)
    case ownerAdd(OwnerChange)
    case ownerRemove(OwnerChange)
    case ticketStatus(StatusChange)
    case skillsSet(SkillsSet)
    case presenceSet(PresenceSet)
    case ticketInvite(TicketInvite)
    case inviteAnswer(InviteAnswer)
    case helpRequest(HelpRequest)
    case ticketEscalate(TicketEscalate)
    case tiersSet(TiersSet)
    case kbCreate(KBCreate)
    case kbCapture(KBCapture)
    case kbPublish(KBPublish)
    case kbApply(KBApply)
    case workLog(WorkLog)
    /// A monitor reports that an alert recovered.
    case alertResolve(AlertResolve)
    /// A read: answered by an `ack` with `articles`, nothing logged.
    case kbSearch(KBSearch)
    /// Ephemeral: the sender is looking at the ticket. Broadcast, never logged.
    case ticketViewing(TicketRef)
    /// Ephemeral: the sender is writing a comment on the ticket. Broadcast, never logged.
    case ticketTyping(TicketRef)
    case ping

    /// The frame `type` of this message.
    public var type: String {
        switch self {
        case .hello: "hello"
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        case .ticketOpen: "ticket.open"
        case .swarmJoin: "swarm.join"
        case .swarmLeave: "swarm.leave"
        case .commentAdd: "comment.add"
        case .ownerAdd: "owner.add"
        case .ownerRemove: "owner.remove"
        case .ticketStatus: "ticket.status"
        case .skillsSet: "skills.set"
        case .presenceSet: "presence.set"
        case .ticketInvite: "ticket.invite"
        case .inviteAnswer: "invite.answer"
        case .helpRequest: "help.request"
        case .ticketEscalate: "ticket.escalate"
        case .tiersSet: "tiers.set"
        case .kbCreate: "kb.create"
        case .kbCapture: "kb.capture"
        case .kbPublish: "kb.publish"
        case .kbApply: "kb.apply"
        case .workLog: "work.log"
        case .alertResolve: "alert.resolve"
        case .kbSearch: "kb.search"
        case .ticketViewing: "ticket.viewing"
        case .ticketTyping: "ticket.typing"
        case .ping: "ping"
        }
    }

    /// Every client frame type of protocol v1.
    public static let types = [
        "hello", "subscribe", "unsubscribe", "ticket.open", "swarm.join", "swarm.leave", "comment.add",
        "owner.add", "owner.remove", "ticket.status", "skills.set", "presence.set", "ticket.invite", "invite.answer",
        "help.request", "ticket.escalate", "tiers.set", "kb.create", "kb.capture", "kb.publish", "kb.apply",
        "kb.search", "work.log", "alert.resolve",
        "ticket.viewing", "ticket.typing", "ping",
    ]
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
    private struct Header: Decodable {
        var type: String?
        var id: String?
    }

    /// Decodes one text frame. Unknown extra fields are ignored, so newer clients can talk to older
    /// hubs; the text must be strict JSON (``StrictJSON``).
    public static func decode(_ data: Data) throws(FrameError) -> ClientFrame {
        do {
            try StrictJSON.check(data)
        } catch {
            throw FrameError(code: error.code, message: error.message)
        }
        let decoder = JSONDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw FrameError(code: .badFrame, message: "a frame must be a JSON object")
        } catch DecodingError.typeMismatch(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FrameError(code: .badFrame, message: "field '\(field)' must be a string")
        } catch {
            throw FrameError(code: .badFrame, message: "a frame must be valid JSON")
        }
        let id = header.id
        if let id, id.isEmpty || id.count > maxIDLength {
            throw FrameError(code: .invalidField, message: "field 'id' must have 1 to \(maxIDLength) characters")
        }
        guard let type = header.type else {
            throw FrameError(code: .badFrame, message: "a frame needs a string field 'type'", id: id)
        }
        do {
            let message: ClientMessage
            switch type {
            case "hello": message = .hello(try decoder.decode(Hello.self, from: data))
            case "subscribe": message = .subscribe(try decoder.decode(ChannelRequest.self, from: data))
            case "unsubscribe": message = .unsubscribe(try decoder.decode(ChannelRequest.self, from: data))
            case "ticket.open": message = .ticketOpen(try decoder.decode(TicketOpen.self, from: data))
            case "swarm.join": message = .swarmJoin(try decoder.decode(TicketRef.self, from: data))
            case "swarm.leave": message = .swarmLeave(try decoder.decode(TicketRef.self, from: data))
            case "comment.add": message = .commentAdd(try decoder.decode(CommentAdd.self, from: data))
            case "owner.add": message = .ownerAdd(try decoder.decode(OwnerChange.self, from: data))
            case "owner.remove": message = .ownerRemove(try decoder.decode(OwnerChange.self, from: data))
            case "ticket.status": message = .ticketStatus(try decoder.decode(StatusChange.self, from: data))
            case "skills.set": message = .skillsSet(try decoder.decode(SkillsSet.self, from: data))
            case "presence.set": message = .presenceSet(try decoder.decode(PresenceSet.self, from: data))
            case "ticket.invite": message = .ticketInvite(try decoder.decode(TicketInvite.self, from: data))
            case "invite.answer": message = .inviteAnswer(try decoder.decode(InviteAnswer.self, from: data))
            case "help.request": message = .helpRequest(try decoder.decode(HelpRequest.self, from: data))
            case "ticket.escalate": message = .ticketEscalate(try decoder.decode(TicketEscalate.self, from: data))
            case "tiers.set": message = .tiersSet(try decoder.decode(TiersSet.self, from: data))
            case "kb.create": message = .kbCreate(try decoder.decode(KBCreate.self, from: data))
            case "kb.capture": message = .kbCapture(try decoder.decode(KBCapture.self, from: data))
            case "kb.publish": message = .kbPublish(try decoder.decode(KBPublish.self, from: data))
            case "kb.apply": message = .kbApply(try decoder.decode(KBApply.self, from: data))
            case "work.log": message = .workLog(try decoder.decode(WorkLog.self, from: data))
            case "alert.resolve": message = .alertResolve(try decoder.decode(AlertResolve.self, from: data))
            case "kb.search": message = .kbSearch(try decoder.decode(KBSearch.self, from: data))
            case "ticket.viewing": message = .ticketViewing(try decoder.decode(TicketRef.self, from: data))
            case "ticket.typing": message = .ticketTyping(try decoder.decode(TicketRef.self, from: data))
            case "ping": message = .ping
            default:
                throw FrameError(code: .unknownType, message: "unknown frame type '\(type)'", id: id)
            }
            guard id != nil || message == .ping else {
                throw FrameError(code: .invalidField, message: "missing field 'id'", id: nil)
            }
            return ClientFrame(id: id, message: message)
        } catch let error as FrameError {
            throw error
        } catch let error as DecodingError {
            throw FrameError(code: .invalidField, message: error.fieldMessage, id: id)
        } catch {
            throw FrameError(code: .badFrame, message: "unreadable frame", id: id)
        }
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
