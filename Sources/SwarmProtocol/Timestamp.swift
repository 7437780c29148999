public import Foundation

/// A point in time with millisecond precision, on the wire as an ISO-8601 string in UTC
/// (`2026-11-23T13:09:25.123Z`).
///
/// Milliseconds, not `Date`: the log stores exactly what the wire carries, so replaying the log
/// rebuilds bit-identical state (invariant 4) and durations are exact integer arithmetic.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Creates a timestamp from a `Date`, truncated to the millisecond.
    public init(_ date: Date) {
        self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The same instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// This timestamp plus a number of milliseconds.
    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The ISO-8601 form used on the wire.
    public var description: String { date.formatted(Self.style) }

    /// Parses the wire form; `nil` when the text is not an ISO-8601 UTC timestamp.
    public init?(iso8601 text: String) {
        if let date = try? Self.style.parse(text) {
            self.init(date)
        } else if let date = try? Date.ISO8601FormatStyle().parse(text) {
            self.init(date)
        } else {
            return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "'\(text)' is not an ISO-8601 timestamp"
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
