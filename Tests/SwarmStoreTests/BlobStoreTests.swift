import Crypto
import Foundation
import GRDB
import SwarmProtocol
import Testing

@testable import SwarmStore

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

    @Test(
        "a file of the earlier layout (chunks staged, then copied) opens with its blobs readable and its upload resumable"
    )
    func migratesChunksWrittenOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "swarm-blobs-\(UUID().uuidString).sqlite"
        )
        .path
        let data = bytes(600_000)
        do {
            // v7: a finished blob in blob_chunk, and an upload's first chunk staged in blob_upload_chunk.
            let queue = try DatabaseQueue(path: path)
            try SQLiteEventStore.migrator.migrate(queue, upTo: "v7-blobs")
            try await queue.write { db in
                try db.execute(
                    sql: "INSERT INTO blob (sha256, size, chunks, created_at) VALUES (?, ?, 3, 1)",
                    arguments: [hex(data), data.count])
                for n in 0..<3 {
                    let piece = Array(data[(n * 262_144)..<min(data.count, (n + 1) * 262_144)])
                    try db.execute(
                        sql: "INSERT INTO blob_chunk (sha256, n, data) VALUES (?, ?, ?)",
                        arguments: [hex(data), n, Data(piece)])
                }
                try db.execute(sql: "INSERT INTO blob_upload (id, started_at) VALUES ('u1', 1)")
                try db.execute(sql: "INSERT INTO blob_upload_chunk (upload, n, data) VALUES ('u1', 0, x'0102')")
            }
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.allBlobs() == [BlobInfo(sha256: hex(data), size: Int64(data.count), chunks: 3)])
        var back: [UInt8] = []
        for n in 0..<3 { back += try #require(try await store.blobChunk(hex(data), index: n)) }
        #expect(back == data, "the blob's bytes, from blob_data")
        // The staged upload is an upload still: finished, it is a blob whose chunks were never copied.
        try await store.writeUploadChunk("u1", index: 1, bytes: [3])
        let small = BlobInfo(sha256: hex([1, 2, 3]), size: 3, chunks: 2)
        #expect(try await store.finishUpload("u1", as: small, at: now))
        let first = try await store.blobChunk(small.sha256, index: 0)
        let second = try await store.blobChunk(small.sha256, index: 1)
        #expect(first == [1, 2] && second == [3])
        // A discard after the finish leaves the blob alone; the sweep of old blobs takes it and its chunks.
        try await store.discardUpload("u1")
        #expect(try await store.blobChunk(small.sha256, index: 1) == [3])
        #expect(try await store.deleteBlobs(except: [hex(data)], createdBefore: Timestamp(milliseconds: .max)) == 1)
        let rows = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM blob_data") }
        #expect(rows == 3, "only the kept blob's chunks remain")
    }
}
