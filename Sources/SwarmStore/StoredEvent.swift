public import SwarmProtocol

/// An event as the log holds it: its `seq`, the channels it was published on, the decoded event and
/// the exact JSON that was committed (and that fan-out sends, without encoding it again).
public struct StoredEvent: Sendable, Hashable {
    public var seq: Int64
    public var channels: [String]
    public var event: SwarmEvent
    public var json: String

    public init(seq: Int64, channels: [String], event: SwarmEvent, json: String) {
        self.seq = seq
        self.channels = channels
        self.event = event
        self.json = json
    }
}

/// The acknowledgement of a command, remembered so a retry with the same id gets the same ack.
public struct CommandRecord: Sendable, Hashable {
    public var agent: String
    public var id: String
    /// The ack frame as JSON.
    public var ack: String
    public var at: Timestamp

    public init(agent: String, id: String, ack: String, at: Timestamp) {
        self.agent = agent
        self.id = id
        self.ack = ack
        self.at = at
    }
}

/// Everything one group commit writes, in one transaction.
public struct AppendBatch: Sendable {
    /// The last `seq` of the log the batch was decided on. A shared store refuses the batch when the
    /// log has moved past it, even when the batch has no event (only acks).
    public var afterSeq: Int64 = 0
    /// New events, with consecutive `seq` following the last one in the log.
    public var events: [StoredEvent] = []
    /// Acks of the commands that caused them.
    public var commands: [CommandRecord] = []
    /// The new state of every ticket the events touched (the projection).
    public var tickets: [Ticket] = []
    /// The new state of every article the events touched (the knowledge base and its FTS5 index).
    public var articles: [Article] = []

    public init() {}
}

/// An event as the wire needs it: its `seq`, its channels and its committed JSON, not decoded.
///
/// What fan-out and resume send; decoding every event of a long resume would cost more than sending it.
public struct EventRecord: Sendable, Hashable {
    public var seq: Int64
    public var channels: [String]
    public var json: String

    public init(seq: Int64, channels: [String], json: String) {
        self.seq = seq
        self.channels = channels
        self.json = json
    }
}

/// What fan-out and resume need of a logged event: its `seq`, its channels and its committed JSON.
/// A ``StoredEvent`` (just decided, with its value) and an ``EventRecord`` (read back, bytes only)
/// both have them, so a decided event travels to fan-out as it is, its bytes and value together.
public protocol LoggedEvent: Sendable {
    var seq: Int64 { get }
    var channels: [String] { get }
    var json: String { get }
}

extension StoredEvent: LoggedEvent {}
extension EventRecord: LoggedEvent {}

extension StoredEvent {
    /// The event as the wire needs it.
    public var record: EventRecord { EventRecord(seq: seq, channels: channels, json: json) }
}
