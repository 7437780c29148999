import Crypto
import Foundation
import SwarmProtocol
import SwarmStore
import Testing

@Suite("Attachments' bytes: the blob store (SQLite and PostgreSQL)")
struct BlobStoreTests {
    let now = Timestamp(milliseconds: 1_000_000)

    func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes that differ from chunk to chunk, so a chunk stored out of order would show.
    func bytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ $0 / 262_144) }
    }

    /// Uploads `data` in pieces of `piece` bytes, as a request body comes.
    func upload(_ data: [UInt8], to store: any EventStore, id: String, piece: Int = 65_000, limit: Int64 = 1 << 30)
        async throws -> (BlobInfo, Bool)
    {
        let upload = try await BlobUpload(id: id, store: store, limit: limit, at: now)
        var offset = 0
        while offset < data.count {
            try await upload.write(data[offset..<min(data.count, offset + piece)])
            offset += piece
        }
        return try await upload.finish(at: now)
    }

    func read(_ info: BlobInfo, from store: any EventStore) async throws -> [UInt8] {
        var result: [UInt8] = []
        for index in 0..<info.chunks {
            result += try #require(try await store.blobChunk(info.sha256, index: index))
        }
        return result
    }

    @Test(
        "a file is stored in chunks under its SHA-256, read back whole; the same bytes again are stored once",
        arguments: StoreKind.available)
    func contentAddressed(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let data = bytes(600_000)
            let (info, isNew) = try await upload(data, to: store, id: "u1")
            #expect(isNew)
            #expect(info == BlobInfo(sha256: hex(data), size: 600_000, chunks: 3))
            #expect(try await read(info, from: store) == data)
            #expect(try await store.blobInfo(info.sha256) == info)

            let (again, secondIsNew) = try await upload(data, to: store, id: "u2", piece: 4096)
            #expect(again == info && !secondIsNew, "the same bytes, cut differently, are the same blob")
            #expect(try await store.allBlobs() == [info])

            // Nothing, and exactly one chunk's worth.
            let (empty, _) = try await upload([], to: store, id: "u3")
            #expect(empty == BlobInfo(sha256: hex([]), size: 0, chunks: 0))
            let exact = bytes(262_144, seed: 9)
            let (one, _) = try await upload(exact, to: store, id: "u4")
            let readBack = try await read(one, from: store)
            #expect(one.chunks == 1 && readBack == exact)
            #expect(try await store.allBlobs().count == 3)
        }
    }

    @Test(
        "an upload over its limit, one cut off and one a crash left behind leave nothing; old blobs no event keeps go",
        arguments: StoreKind.available)
    func nothingLeftBehind(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let big = try await BlobUpload(id: "big", store: store, limit: 300_000, at: now)
            try await big.write(bytes(290_000))
            await #expect(throws: BlobUploadError.tooLarge(limit: 300_000)) {
                try await big.write(bytes(20_000))
            }
            await big.discard()

            let cut = try await BlobUpload(id: "cut", store: store, limit: 1 << 30, at: now)
            try await cut.write(bytes(270_000))
            await cut.discard()

            let crashed = try await BlobUpload(id: "crashed", store: store, limit: 1 << 30, at: now)
            try await crashed.write(bytes(300_000))
            #expect(try await store.discardUploads(startedBefore: now) == 0, "a running upload is not swept")
            #expect(try await store.discardUploads(startedBefore: now.adding(milliseconds: 1)) == 1)
            #expect(try await store.allBlobs().isEmpty)

            let (kept, _) = try await upload(bytes(10, seed: 1), to: store, id: "k")
            let (orphan, _) = try await upload(bytes(10, seed: 2), to: store, id: "o")
            #expect(try await store.deleteBlobs(except: [kept.sha256], createdBefore: now) == 0, "too young")
            let later = now.adding(milliseconds: 1)
            #expect(try await store.deleteBlobs(except: [kept.sha256], createdBefore: later) == 1)
            #expect(try await store.allBlobs() == [kept])
            #expect(try await store.blobChunk(orphan.sha256, index: 0) == nil)

            // A blob copied as it is (migrate): once.
            try await store.putBlob(orphan, chunks: [bytes(10, seed: 2)], at: now)
            try await store.putBlob(orphan, chunks: [bytes(10, seed: 2)], at: now)
            #expect(try await store.allBlobs().count == 2)
        }
    }
}
