import SwarmProtocol

/// When what the hub sends (a mail, a webhook) is tried again after a temporary failure, and when it
/// is given up: the first wait, doubled after each failed try up to a longest wait, until the item has
/// waited ``giveUpAfter`` since it was planned.
struct RetrySchedule: Sendable, Hashable {
    /// The wait after the first failed try.
    var first: Duration
    /// The longest wait between two tries.
    var longest: Duration
    /// How long after it was planned an item is given up (failed) at its next failed try.
    var giveUpAfter: Duration

    /// Mail: 30 s, doubling to an hour, for three days (what relays and RFC 5321 §4.5.4.1 expect).
    static let mail = RetrySchedule(first: .seconds(30), longest: .seconds(3600), giveUpAfter: .seconds(3 * 24 * 3600))
    /// Webhooks: 10 s, doubling to an hour, for three days: a chat that was down for a minute gets the
    /// news a few seconds after it is back, one that is down for a day is asked once an hour.
    static let webhook = RetrySchedule(
        first: .seconds(10), longest: .seconds(3600), giveUpAfter: .seconds(3 * 24 * 3600))

    /// The wait, in milliseconds, after the `attempts`th failed try (1 for the first).
    func wait(afterAttempt attempts: Int) -> Int64 {
        min(longest.milliseconds, first.milliseconds << Int64(min(max(attempts - 1, 0), 20)))
    }

    /// Whether an item planned at `planned` that just failed at `now` is given up.
    func givesUp(planned: Timestamp, now: Timestamp) -> Bool {
        now.milliseconds - planned.milliseconds >= giveUpAfter.milliseconds
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
