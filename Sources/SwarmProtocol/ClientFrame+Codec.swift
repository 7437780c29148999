/// The codec of client frames: each frame type's payload, read (hub) and written (clients), one line
/// per type in each direction. Both switches are exhaustive, so a new ``FrameType`` does not compile
/// until it can travel both ways.
extension ClientMessage {
    /// Reads the payload of a frame of `type` from the frame's own object (its fields sit beside
    /// `type` and `id`).
    init(_ type: FrameType, from decoder: any Decoder) throws {
        func read<Payload: Decodable>() throws -> Payload { try Payload(from: decoder) }
        self =
            switch type {
            case .hello: .hello(try read())
            case .subscribe: .subscribe(try read())
            case .unsubscribe: .unsubscribe(try read())
            case .kbSearch: .kbSearch(try read())
            case .ticketViewing: .ticketViewing(try read())
            case .ticketTyping: .ticketTyping(try read())
            case .ping: .ping
            case .ticketOpen: .command(.ticketOpen(try read()))
            case .swarmJoin: .command(.swarmJoin(try read()))
            case .swarmLeave: .command(.swarmLeave(try read()))
            case .commentAdd: .command(.commentAdd(try read()))
            case .ownerAdd: .command(.ownerAdd(try read()))
            case .ownerRemove: .command(.ownerRemove(try read()))
            case .ticketStatus: .command(.ticketStatus(try read()))
            case .skillsSet: .command(.skillsSet(try read()))
            case .presenceSet: .command(.presenceSet(try read()))
            case .notifySet: .command(.notifySet(try read()))
            case .ticketInvite: .command(.ticketInvite(try read()))
            case .inviteAnswer: .command(.inviteAnswer(try read()))
            case .helpRequest: .command(.helpRequest(try read()))
            case .ticketEscalate: .command(.ticketEscalate(try read()))
            case .tiersSet: .command(.tiersSet(try read()))
            case .kbCreate: .command(.kbCreate(try read()))
            case .kbCapture: .command(.kbCapture(try read()))
            case .kbPublish: .command(.kbPublish(try read()))
            case .kbApply: .command(.kbApply(try read()))
            case .workLog: .command(.workLog(try read()))
            case .alertResolve: .command(.alertResolve(try read()))
            }
    }

    /// The frame's type and the payload written beside `type` and `id` (none for `ping`).
    public var parts: (type: FrameType, payload: (any Encodable & Sendable)?) {
        switch self {
        case .hello(let payload): (.hello, payload)
        case .subscribe(let payload): (.subscribe, payload)
        case .unsubscribe(let payload): (.unsubscribe, payload)
        case .kbSearch(let payload): (.kbSearch, payload)
        case .ticketViewing(let payload): (.ticketViewing, payload)
        case .ticketTyping(let payload): (.ticketTyping, payload)
        case .ping: (.ping, nil)
        case .command(let command): (command.parts.type, command.parts.payload)
        }
    }

    /// The frame `type` of this message.
    public var type: FrameType { parts.type }
}

extension ClientCommand {
    /// The command's frame type, its payload, and the ticket it acts on (the hub checks that the
    /// sender may read it before deciding).
    public var parts: (type: FrameType, payload: any Encodable & Sendable, ticket: String?) {
        switch self {
        case .ticketOpen(let p): (.ticketOpen, p, nil)
        case .swarmJoin(let p): (.swarmJoin, p, p.ticket)
        case .swarmLeave(let p): (.swarmLeave, p, p.ticket)
        case .commentAdd(let p): (.commentAdd, p, p.ticket)
        case .ownerAdd(let p): (.ownerAdd, p, p.ticket)
        case .ownerRemove(let p): (.ownerRemove, p, p.ticket)
        case .ticketStatus(let p): (.ticketStatus, p, p.ticket)
        case .skillsSet(let p): (.skillsSet, p, nil)
        case .presenceSet(let p): (.presenceSet, p, nil)
        case .notifySet(let p): (.notifySet, p, nil)
        case .ticketInvite(let p): (.ticketInvite, p, p.ticket)
        case .inviteAnswer(let p): (.inviteAnswer, p, p.ticket)
        case .helpRequest(let p): (.helpRequest, p, p.ticket)
        case .ticketEscalate(let p): (.ticketEscalate, p, p.ticket)
        case .tiersSet(let p): (.tiersSet, p, nil)
        case .kbCreate(let p): (.kbCreate, p, nil)
        case .kbCapture(let p): (.kbCapture, p, p.ticket)
        case .kbPublish(let p): (.kbPublish, p, nil)
        case .kbApply(let p): (.kbApply, p, p.ticket)
        case .workLog(let p): (.workLog, p, p.ticket)
        case .alertResolve(let p): (.alertResolve, p, nil)
        }
    }

    /// The command's frame `type`.
    public var type: FrameType { parts.type }

    /// The ticket the command acts on, if any.
    public var ticket: String? { parts.ticket }
}
