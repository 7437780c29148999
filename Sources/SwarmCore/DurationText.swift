/// Durations as people write them in flags and configuration: `500ms`, `90s`, `15m`, `4h`, `2d`.
public enum DurationText {
    /// The duration in milliseconds, or `nil` when the text is not a whole number followed by one
    /// of `ms`, `s`, `m`, `h`, `d`.
    public static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(number),
                value >= 0,
                value <= Int64.max / factor
            else { continue }
            return value * factor
        }
        return nil
    }

    /// The shortest exact text for a duration: `15m`, `4h`, `90s`, `1500ms`.
    public static func describe(milliseconds: Int64) -> String {
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds >= factor && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}

/// A duration as written in a flag, an environment file or the configuration file (`500ms`, `90s`,
/// `15m`, `4h`, `2d`): the one type every duration setting is parsed into (``DurationText``).
public struct TextDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// `nil` when the text is not a whole number followed by `ms`, `s`, `m`, `h` or `d`.
    public init?(_ text: String) {
        guard let milliseconds = DurationText.milliseconds(text) else { return nil }
        self.milliseconds = milliseconds
    }

    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    public var duration: Duration { .milliseconds(milliseconds) }

    /// The shortest exact text: `15m`, `4h`, `90s`, `1500ms`.
    public var description: String { DurationText.describe(milliseconds: milliseconds) }

    public static func < (lhs: TextDuration, rhs: TextDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// What a duration looks like, for messages.
    public static let examples = "such as 500ms, 90s, 15m, 4h or 2d"
}
