import CMagic
package import NIOCore
import Synchronization

/// The media type of a file, read from its first bytes by libmagic (file(1)'s library) with the system's
/// database: what an upload *is*, whatever its name or its declared `Content-Type` say.
///
/// A libmagic handle (`magic_t`) may not be used by two threads at once, and one sniff of 64 KiB of text
/// takes about 2 ms (measured here; images far less), so one handle behind one lock would queue every
/// upload behind the others. The sniffer keeps a small fixed set of handles instead, each behind its own
/// lock and opened on first use (about 0.1 ms and 250 KB: the compiled database is mapped, not read): a call
/// takes a free one, or waits for one when all are busy. Safe to share between tasks.
package final class MediaSniffer: Sendable {
    /// How many bytes from the start of a file libmagic is shown: what its tests look at, and a bound
    /// on the work one file costs. More of a file changes the answer only for text that turns into
    /// binary further down.
    package static let prefixLength = 64 * 1024

    private let slots: [Slot]
    private let database: String?
    private let next = Atomic<Int>(0)

    /// A sniffer with up to `handles` libmagic handles (at least one), each loaded from `database` (a
    /// compiled `.mgc` file; libmagic's default, the system's, when `nil`). Loads one handle now, so that a
    /// database libmagic cannot read is an error here rather than on the first upload.
    package init(handles: Int = System.coreCount, database: String? = nil) throws(MediaSnifferError) {
        self.database = database
        let first = try Self.open(database: database)
        var slots = [Slot(first)]
        for _ in 1..<max(1, handles) { slots.append(Slot(nil)) }
        self.slots = slots
    }

    /// The media type of `bytes` (of their first ``prefixLength`` bytes).
    ///
    /// `application/octet-stream` when libmagic fails on these bytes or answers something that is not a media
    /// type: the answer that shows nothing inline and claims nothing. An empty buffer is `application/x-empty`.
    package func mediaType(of bytes: UnsafeRawBufferPointer) -> MediaType {
        let prefix = UnsafeRawBufferPointer(rebasing: bytes.prefix(Self.prefixLength))
        // Try every handle once without waiting, starting at a different one each call; when all are busy,
        // wait for the first tried.
        let start = next.add(1, ordering: .relaxed).newValue
        for offset in 0..<slots.count {
            if let type = slots[(start &+ offset) % slots.count].sniffIfFree(prefix, database: database) {
                return type
            }
        }
        return slots[start % slots.count].sniff(prefix, database: database)
    }

    /// The media type of `bytes` (of their first ``prefixLength`` bytes).
    package func mediaType(of bytes: [UInt8]) -> MediaType {
        bytes.withUnsafeBytes { mediaType(of: $0) }
    }

    /// The media type of the readable bytes of `buffer` (of their first ``prefixLength`` bytes).
    package func mediaType(of buffer: ByteBuffer) -> MediaType {
        buffer.withUnsafeReadableBytes { mediaType(of: $0) }
    }

    /// A new handle with the database loaded.
    fileprivate static func open(database: String?) throws(MediaSnifferError) -> OpaquePointer {
        guard let handle = magic_open(MAGIC_MIME_TYPE) else {
            throw MediaSnifferError("libmagic could not make a handle (magic_open)")
        }
        guard magic_load(handle, database) == 0 else {
            let reason = magic_error(handle).map { String(cString: $0) } ?? "no reason given"
            magic_close(handle)
            throw MediaSnifferError("libmagic could not load \(database ?? "its default database"): \(reason)")
        }
        return handle
    }
}

/// One libmagic handle and the lock that keeps it to one thread at a time.
///
/// `@unchecked Sendable` because this is a lock wrapper: `handle` is read and written only while `lock` is
/// held. (A `Mutex<OpaquePointer?>` alone does not do: the compiler cannot tell that libmagic keeps no
/// pointer to the bytes it is shown, so it ties the handle to the caller's buffer.)
private final class Slot: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    /// `nil` until first used (or while a failed open is retried on the next use).
    private var handle: OpaquePointer?

    init(_ handle: OpaquePointer?) {
        self.handle = handle
    }

    deinit {
        if let handle { magic_close(handle) }
    }

    /// Sniffs when the handle is free; `nil` when another thread has it.
    func sniffIfFree(_ bytes: UnsafeRawBufferPointer, database: String?) -> MediaType? {
        lock.withLockIfAvailable { _ in sniffLocked(bytes, database: database) }
    }

    /// Sniffs, waiting for the handle.
    func sniff(_ bytes: UnsafeRawBufferPointer, database: String?) -> MediaType {
        lock.withLock { _ in sniffLocked(bytes, database: database) }
    }

    private func sniffLocked(_ bytes: UnsafeRawBufferPointer, database: String?) -> MediaType {
        if handle == nil { handle = try? MediaSniffer.open(database: database) }
        guard let open = handle else { return .octetStream }
        // An empty buffer may have no address; libmagic still wants one (and reads none of it).
        let answer =
            bytes.isEmpty
            ? withUnsafeBytes(of: UInt8(0)) { magic_buffer(open, $0.baseAddress, 0) }
            : magic_buffer(open, bytes.baseAddress, bytes.count)
        guard let answer else { return .octetStream }
        return MediaType(String(cString: answer)) ?? .octetStream
    }
}
