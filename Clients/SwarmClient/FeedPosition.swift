/// Where a live feed is in the log, so a reconnect resumes with no gap and no duplicate.
///
/// The hub replays exactly the events after `since` (Protocol §11); this guard also drops any event
/// at or before the position, should one ever arrive twice.
public struct FeedPosition: Sendable, Hashable {
    /// The seq to resume after: the last event shown, or where the first subscription started.
    public private(set) var seq: Int64
    /// The log epoch `seq` belongs to (the subscribe ack's), sent with `since` on a resume so a hub
    /// serving another log (a restored backup) says so instead of replaying other events.
    public let epoch: String?

    /// A feed that starts after `seq` of the log with `epoch`.
    public init(after seq: Int64, epoch: String? = nil) {
        self.seq = seq
        self.epoch = epoch
    }

    /// Whether an event is new; if it is, the position moves to it.
    public mutating func accept(_ eventSeq: Int64) -> Bool {
        guard eventSeq > seq else { return false }
        seq = eventSeq
        return true
    }
}

/// Exponential backoff between reconnect attempts: 250 ms, doubling, at most `cap`.
public struct Backoff: Sendable, Hashable {
    public let initial: Duration
    public let cap: Duration
    private var current: Duration?

    /// Backoff starting at `initial`, never waiting more than `cap`.
    public init(initial: Duration = .milliseconds(250), cap: Duration = .seconds(5)) {
        self.initial = initial
        self.cap = cap
    }

    /// How long to wait before the next attempt.
    public mutating func next() -> Duration {
        let delay = current.map { min($0 * 2, cap) } ?? initial
        current = delay
        return delay
    }

    /// Back to the first delay, after a connection succeeded.
    public mutating func reset() { current = nil }
}
