/// When a live view reads its list again: soon after a change (debounced, so a burst of events is
/// one read), at once when asked, and every `period` regardless, never two reads at a time.
///
/// A value with no clock of its own: the caller passes the time in, starts a read when ``poll(at:)``
/// says so, says when it ended with ``finished(at:)``, and wakes the value up at the instant
/// ``poll(at:)`` names — so the timing is tested without sleeping.
public struct LiveRefresh: Sendable {
    /// How long after a change the read starts; changes meanwhile join it.
    public let quiet: Duration
    /// The longest time between two reads, for what changes with the clock alone (the time left to a
    /// deadline) and for what no followed channel carried.
    public let period: Duration

    /// When the read asked for starts; `nil` when none is asked for.
    public private(set) var due: ContinuousClock.Instant?
    /// Whether a read is under way.
    public private(set) var reading = false
    /// When the last read ended: the period counts from it.
    private var lastEnded: ContinuousClock.Instant?
    /// The wake-up the caller was last told to arrange, and has not yet happened.
    private var alarm: ContinuousClock.Instant?

    /// A schedule with the given quiet time and period (300 ms and 30 s by default).
    public init(quiet: Duration = .milliseconds(300), period: Duration = .seconds(30)) {
        self.quiet = quiet
        self.period = period
    }

    /// Something the list may show changed: a read at most `quiet` from now. A change during a read
    /// asks for another after it, since the read may have missed it.
    public mutating func changed(at now: ContinuousClock.Instant) {
        due = min(due ?? now + quiet, now + quiet)
    }

    /// A read as soon as none is under way (a key, a reconnect).
    public mutating func soon(at now: ContinuousClock.Instant) {
        due = min(due ?? now, now)
    }

    /// The read under way ended (with a list or an error).
    public mutating func finished(at now: ContinuousClock.Instant) {
        reading = false
        lastEnded = now
    }

    /// What to do at `now`: whether to start a read (it is then under way), and an instant to be woken
    /// at, when one is needed that was not asked for before.
    public mutating func poll(at now: ContinuousClock.Instant) -> (read: Bool, wake: ContinuousClock.Instant?) {
        if let alarm, alarm <= now { self.alarm = nil }
        var read = false
        if !reading, let next = nextRead, next <= now {
            reading = true
            due = nil
            read = true
        }
        // While a read is under way nothing is due: its end polls again.
        guard !reading, let next = nextRead else { return (read, nil) }
        if let alarm, alarm <= next { return (read, nil) }
        alarm = next
        return (read, next)
    }

    /// When the next read should start: the one asked for, else the period's.
    private var nextRead: ContinuousClock.Instant? {
        let periodic = lastEnded.map { $0 + period }
        return [due, periodic].compactMap { $0 }.min()
    }
}
