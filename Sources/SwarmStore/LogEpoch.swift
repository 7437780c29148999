/// A log's identity: a random name given to the log when its database is created, and a new one given
/// to every backup copy, so a client that has read `seq` numbers of one log learns when the hub now
/// serves another one. A restored backup goes on from an older `seq` and reuses numbers the client has
/// seen; its new epoch tells the client to load again instead of resuming (Protocol §11, `epoch`).
/// A copy to PostgreSQL (`swarmd migrate`) is the same log and keeps the epoch.
public enum LogEpoch {
    /// A new epoch: 16 lowercase hex digits (64 random bits).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = String(generator.next() as UInt64, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
