public import SwarmProtocol

/// Times as people say them: "just now", "42s ago", "5m ago", "3h ago", "2d ago", then the date.
public enum RelativeTime {
    /// How long before `now` the moment `then` was.
    public static func describe(_ then: Timestamp, now: Timestamp) -> String {
        let seconds = (now.milliseconds - then.milliseconds) / 1000
        switch seconds {
        case ..<1: return "just now"
        case ..<(7 * 86_400): return "\(span(seconds)) ago"
        default: return String(then.description.prefix(10))
        }
    }

    /// How long after `now` the moment `then` comes: "in 9m", "in 40s"; "due" once it has passed.
    public static func until(_ then: Timestamp, now: Timestamp) -> String {
        let seconds = (then.milliseconds - now.milliseconds) / 1000
        return seconds < 1 ? "due" : "in \(span(seconds))"
    }

    /// A length of time in its largest whole unit: "42s", "5m", "3h", "2d".
    public static func span(_ seconds: Int64) -> String {
        switch seconds {
        case ..<60: "\(max(seconds, 0))s"
        case ..<3600: "\(seconds / 60)m"
        case ..<86_400: "\(seconds / 3600)h"
        default: "\(seconds / 86_400)d"
        }
    }
}
