public import Crypto
public import SwarmProtocol

/// A stored file's bytes, known by their SHA-256: the same bytes uploaded twice are kept once.
public struct BlobInfo: Sendable, Hashable {
    /// 64 lower-case hex digits.
    public var sha256: String
    public var size: Int64
    /// How many chunks of ``BlobStore/chunkSize`` bytes (the last one shorter) hold the bytes.
    public var chunks: Int

    public init(sha256: String, size: Int64, chunks: Int) {
        self.sha256 = sha256
        self.size = size
        self.chunks = chunks
    }

    /// A digest as a blob's name: lower-case hex.
    public static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

/// The bytes of attachments, where the log is (the SQLite file, PostgreSQL — so every node of a cluster
/// serves every file), content-addressed by SHA-256 and kept in chunks so that neither an upload nor a
/// download ever holds a whole file in memory.
///
/// An upload is written to a staging area chunk by chunk (``BlobUpload`` does the chunking and the
/// hashing); when it ends, ``finishUpload(_:as:)`` makes it the blob of its hash in one transaction —
/// or drops it when that blob is there already. An upload cut off is discarded; one a crash left behind
/// is swept by ``discardUploads(startedBefore:)``. A blob exists before the event that attaches it
/// commits; a blob no event refers to (its attachment was refused) is removed by
/// ``deleteBlobs(except:createdBefore:)`` once it is old enough that no command can still be on its
/// way to the log.
public protocol BlobStore: Sendable {
    /// Starts an upload; its id names the staged chunks.
    func beginUpload(_ id: String, at now: Timestamp) async throws
    /// Stores chunk `index` (from 0) of upload `id`.
    func writeUploadChunk(_ id: String, index: Int, bytes: [UInt8]) async throws
    /// Makes upload `id` the blob `info` in one transaction; `true` when the blob is new, `false` when it
    /// was there (the upload's chunks are dropped either way).
    func finishUpload(_ id: String, as info: BlobInfo, at now: Timestamp) async throws -> Bool
    /// Drops what upload `id` staged.
    func discardUpload(_ id: String) async throws
    /// Drops every upload started before `time` (a crash's leftovers); how many.
    @discardableResult func discardUploads(startedBefore time: Timestamp) async throws -> Int
    /// The blob of `sha256`, if stored.
    func blobInfo(_ sha256: String) async throws -> BlobInfo?
    /// Chunk `index` of blob `sha256`; `nil` when it is missing.
    func blobChunk(_ sha256: String, index: Int) async throws -> [UInt8]?
    /// Every blob, by hash (for `swarmd check` and `migrate`).
    func allBlobs() async throws -> [BlobInfo]
    /// Stores a whole blob as it is (`swarmd migrate`, restores); nothing when it is there.
    func putBlob(_ info: BlobInfo, chunks: [[UInt8]], at now: Timestamp) async throws
    /// Removes the blobs created before `time` whose hash is not in `keep`; how many.
    @discardableResult func deleteBlobs(except keep: Set<String>, createdBefore time: Timestamp) async throws -> Int
}

extension BlobStore {
    /// The size of a chunk: 256 KiB, small enough to stream, large enough that a 25 MB file is 100 rows.
    public static var chunkSize: Int { 262_144 }
}

/// Why an upload was not stored.
public enum BlobUploadError: Error, Sendable, Hashable {
    /// More bytes came than `limit`.
    case tooLarge(limit: Int64)
}

/// One upload on its way into a ``BlobStore``: takes the bytes as they come, stores them in chunks and
/// hashes them, so memory holds at most one chunk. Owned by one task (not `Sendable`).
public final class BlobUpload {
    public let id: String
    private let store: any BlobStore
    private let limit: Int64
    private var hasher = SHA256()
    private var pending: [UInt8] = []
    private var index = 0
    private var size: Int64 = 0

    /// Starts upload `id` into `store`, of at most `limit` bytes.
    public init(id: String, store: any BlobStore, limit: Int64, at now: Timestamp) async throws {
        self.id = id
        self.store = store
        self.limit = limit
        pending.reserveCapacity(262_144)
        try await store.beginUpload(id, at: now)
    }

    /// Takes the next bytes.
    ///
    /// - Throws: ``BlobUploadError/tooLarge(limit:)`` once more than the limit came (the caller discards
    ///   the upload), or the store's error.
    public func write(_ bytes: some Collection<UInt8>) async throws {
        size += Int64(bytes.count)
        guard size <= limit else { throw BlobUploadError.tooLarge(limit: limit) }
        hasher.update(data: Array(bytes))
        var rest = bytes[...]
        let chunkSize = 262_144
        while !rest.isEmpty {
            let take = min(chunkSize - pending.count, rest.count)
            pending.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if pending.count == chunkSize { try await flush() }
        }
    }

    private func flush() async throws {
        try await store.writeUploadChunk(id, index: index, bytes: pending)
        index += 1
        pending.removeAll(keepingCapacity: true)
    }

    /// Stores the last chunk and makes the upload its blob: the blob and whether it is new.
    public func finish(at now: Timestamp) async throws -> (BlobInfo, isNew: Bool) {
        if !pending.isEmpty { try await flush() }
        let info = BlobInfo(sha256: BlobInfo.hex(hasher.finalize()), size: size, chunks: index)
        let isNew = try await store.finishUpload(id, as: info, at: now)
        return (info, isNew)
    }

    /// Drops what was staged.
    public func discard() async {
        try? await store.discardUpload(id)
    }
}
