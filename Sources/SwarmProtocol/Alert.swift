/// `alert.resolve {dedupKey, output?}`: the monitor says the alert opened with `dedupKey` recovered.
public struct AlertResolve: Codable, Sendable, Hashable {
    /// The key the alert's `ticket.open` carried.
    public var dedupKey: String
    /// The monitor's last check output (the recovery message), at most 10 000 characters.
    public var output: String?
    public init(dedupKey: String, output: String? = nil) {
        self.dedupKey = dedupKey
        self.output = output
    }
}

/// The monitoring alert a ticket was opened for (`ticket.open` with a `dedupKey`).
public struct TicketAlert: Codable, Sendable, Hashable {
    /// The alert's de-duplication key.
    public var key: String
    /// How many times the alert was raised: 1 when the ticket opened, plus one per `alert.repeated`.
    public var count: Int
    /// The latest output: the description of the last open or repeat, or the recovery's output.
    public var output: String
    /// When the monitor last reported a recovery, unless the alert fired again since.
    public var recoveredAt: Timestamp?

    public init(key: String, count: Int = 1, output: String, recoveredAt: Timestamp? = nil) {
        self.key = key
        self.count = count
        self.output = output
        self.recoveredAt = recoveredAt
    }
}

/// The rules of a `dedupKey` (Protocol/README.md, "Field rules").
public enum DedupKey {
    /// 1 to 200 characters.
    public static let length = 1...200

    /// Why `key` is not a valid de-duplication key, or `nil` when it is: printable ASCII (space to
    /// `~`), 1 to 200 characters, no leading or trailing space. Keys are compared exactly (case matters).
    public static func problem(_ key: String, field: String = "dedupKey") -> String? {
        guard length.contains(key.unicodeScalars.count) else {
            return "field '\(field)' must have \(length.lowerBound) to \(length.upperBound) characters"
        }
        guard key.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) else {
            return "field '\(field)' may hold only printable ASCII characters (space to '~')"
        }
        guard key.first != " ", key.last != " " else {
            return "field '\(field)' must not start or end with a space"
        }
        return nil
    }
}
