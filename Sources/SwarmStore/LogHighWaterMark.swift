import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The highest `seq` a hub has committed (and so may have acknowledged), kept in a small file beside
/// the SQLite database (`swarm.sqlite-head`), outside the database and its WAL.
///
/// Why: SQLite reads a WAL only up to its first frame whose checksum fails. A WAL damaged after a
/// crash (one flipped byte) therefore loses its later commits *silently*: the log opens shorter, the
/// hub would hand out the lost `seq` numbers again, and a client resuming with one of them would be
/// replayed nothing — it takes the reused numbers for events it already has. The mark makes that
/// loss visible: a log that opens shorter than its mark under the same epoch went back, and the hub
/// starts a new epoch (clients resuming with the old one get `epoch_changed`) and says why;
/// `swarmd check` reports it.
///
/// The mark is written after each commit returned (so it never runs ahead of what is durable) with
/// one `pwrite` of a line under 100 bytes at offset 0, without fsync: it survives a crash of the
/// process (`kill -9`), which is what it must catch; after a power loss it may lag behind, which can
/// only hide a loss, never report a false one. A line whose checksum fails is ignored.
public final class LogHighWaterMark: Sendable {
    /// The mark's file for a database file.
    public static func path(forDatabase path: String) -> String { path + "-head" }

    /// What the mark says: the log's epoch and its highest committed `seq`.
    public struct Reading: Sendable, Hashable {
        public var epoch: String
        public var seq: Int64
    }

    private let descriptor: Int32
    private let epoch: Mutex<String>

    /// Opens (creating, mode 0600) the mark at `path`, for a log of `epoch`.
    public init(path: String, epoch: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(
                .migration, "cannot open the log's high-water mark \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        self.epoch = Mutex(epoch)
    }

    deinit { close(descriptor) }

    /// Reads the mark in the file at `path`, or `nil` when there is none (or it is unreadable).
    public static func read(path: String) -> Reading? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// The reading of one line `swarm-head 1 <epoch> <seq> <check>`, or `nil`.
    static func parse(_ text: String) -> Reading? {
        let fields = text.split(separator: "\n").first?.split(separator: " ") ?? []
        guard fields.count == 5, fields[0] == "swarm-head", fields[1] == "1", let seq = Int64(fields[3]),
            fields[4] == check(epoch: String(fields[2]), seq: seq)
        else { return nil }
        return Reading(epoch: String(fields[2]), seq: seq)
    }

    /// The line for a reading, padded to a fixed width so a shorter line never leaves a tail behind.
    static func line(epoch: String, seq: Int64) -> String {
        let text = "swarm-head 1 \(epoch) \(seq) \(check(epoch: epoch, seq: seq))"
        return text + String(repeating: " ", count: max(0, 95 - text.utf8.count)) + "\n"
    }

    /// FNV-1a (64 bits) of the reading, hex: catches a torn or edited line.
    static func check(epoch: String, seq: Int64) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(epoch) \(seq)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Records that the log has committed up to `seq`.
    public func record(seq: Int64) {
        let text = Self.line(epoch: epoch.withLock { $0 }, seq: seq)
        // A failed write leaves an older mark, which can only hide a loss: the log goes on.
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Records a new epoch for the log (with its current `seq`).
    public func record(epoch newEpoch: String, seq: Int64) {
        epoch.withLock { $0 = newEpoch }
        record(seq: seq)
    }
}

/// A log that opened shorter than its high-water mark said, under the same epoch: commits were lost
/// after they were acknowledged (a damaged WAL), or the file was replaced by an older copy of itself.
public struct LogRollback: Sendable, Hashable, CustomStringConvertible {
    /// The highest `seq` the mark recorded.
    public var recorded: Int64
    /// The log's last `seq` now.
    public var found: Int64
    /// The epoch the log had.
    public var epoch: String

    public var description: String {
        "the log ends at seq \(found) but seq \(recorded) was committed under epoch \(epoch) "
            + "(events \(found + 1)–\(recorded) are lost: a damaged WAL, or the file was replaced by an older copy)"
    }
}
