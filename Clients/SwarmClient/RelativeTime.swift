public import SwarmProtocol

/// Times as people say them: "just now", "42s ago", "5m ago", "3h ago", "2d ago", then the date.
public enum RelativeTime {
    /// How long before `now` the moment `then` was.
    public static func describe(_ then: Timestamp, now: Timestamp) -> String {
        let seconds = (now.milliseconds - then.milliseconds) / 1000
        switch seconds {
        case ..<1: return "just now"
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86_400: return "\(seconds / 3600)h ago"
        case ..<(7 * 86_400): return "\(seconds / 86_400)d ago"
        default: return String(then.description.prefix(10))
        }
    }
}
