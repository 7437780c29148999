import Foundation
import NIOCore
import PostgresNIO
public import SwarmProtocol

extension PostgresEventStore {
    public func beginUpload(_ id: String, at now: Timestamp) async throws {
        try await timed("begin an upload") { [client] in
            try await client.query("INSERT INTO blob_upload (id, started_at) VALUES (\(id), \(now.milliseconds))")
        }
    }

    public func writeUploadChunk(_ id: String, index: Int, bytes: [UInt8]) async throws {
        let data = ByteBuffer(bytes: bytes)
        try await timed("store an upload's chunk") { [client] in
            try await client.query("INSERT INTO blob_upload_chunk (upload, n, data) VALUES (\(id), \(index), \(data))")
        }
    }

    public func finishUpload(_ id: String, as info: BlobInfo, at now: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await timed("store a blob") { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    let isNew = try await Self.claimBlob(info, at: now, on: connection, logger: logger)
                    if isNew {
                        try await connection.query(
                            """
                            INSERT INTO blob_chunk (sha256, n, data)
                            SELECT \(info.sha256), n, data FROM blob_upload_chunk WHERE upload = \(id)
                            """, logger: logger)
                    }
                    try await connection.query("DELETE FROM blob_upload_chunk WHERE upload = \(id)", logger: logger)
                    try await connection.query("DELETE FROM blob_upload WHERE id = \(id)", logger: logger)
                    return isNew
                }
            }
        }
    }

    public func discardUpload(_ id: String) async throws {
        try await timed("discard an upload") { [client] in
            try await client.query("DELETE FROM blob_upload_chunk WHERE upload = \(id)")
            try await client.query("DELETE FROM blob_upload WHERE id = \(id)")
        }
    }

    public func discardUploads(startedBefore time: Timestamp) async throws -> Int {
        try await timed("sweep uploads") { [client] in
            var ids: [String] = []
            for try await id in try await client.query(
                "SELECT id FROM blob_upload WHERE started_at < \(time.milliseconds)"
            ).decode(String.self) {
                ids.append(id)
            }
            for id in ids {
                try await client.query("DELETE FROM blob_upload_chunk WHERE upload = \(id)")
                try await client.query("DELETE FROM blob_upload WHERE id = \(id)")
            }
            return ids.count
        }
    }

    public func blobInfo(_ sha256: String) async throws -> BlobInfo? {
        try await timed("read a blob") { [client] in
            for try await (sha, size, chunks) in try await client.query(
                "SELECT sha256, size, chunks FROM blob WHERE sha256 = \(sha256)"
            ).decode((String, Int64, Int).self) {
                return BlobInfo(sha256: sha, size: size, chunks: chunks)
            }
            return nil
        }
    }

    public func blobChunk(_ sha256: String, index: Int) async throws -> [UInt8]? {
        try await timed("read a blob's chunk") { [client] in
            for try await data in try await client.query(
                "SELECT data FROM blob_chunk WHERE sha256 = \(sha256) AND n = \(index)"
            ).decode(ByteBuffer.self) {
                return Array(data.readableBytesView)
            }
            return nil
        }
    }

    public func allBlobs() async throws -> [BlobInfo] {
        try await timed("list blobs") { [client] in
            var result: [BlobInfo] = []
            for try await (sha, size, chunks) in try await client.query(
                "SELECT sha256, size, chunks FROM blob ORDER BY sha256"
            ).decode((String, Int64, Int).self) {
                result.append(BlobInfo(sha256: sha, size: size, chunks: chunks))
            }
            return result
        }
    }

    public func putBlob(_ info: BlobInfo, chunks: [[UInt8]], at now: Timestamp) async throws {
        let logger = self.logger
        try await timed("store a blob") { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    guard try await Self.claimBlob(info, at: now, on: connection, logger: logger) else { return }
                    for (index, bytes) in chunks.enumerated() {
                        let data = ByteBuffer(bytes: bytes)
                        try await connection.query(
                            "INSERT INTO blob_chunk (sha256, n, data) VALUES (\(info.sha256), \(index), \(data))",
                            logger: logger)
                    }
                }
            }
        }
    }

    /// Inserts the row of the blob `info` names, in the caller's transaction; `false` when it is there
    /// already (the same bytes stored before, or by another node finishing them at once: the second waits
    /// for the first's row), and then its chunks are not to be written again.
    private static func claimBlob(
        _ info: BlobInfo, at now: Timestamp, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        var isNew = false
        for try await _ in try await connection.query(
            """
            INSERT INTO blob (sha256, size, chunks, created_at)
            VALUES (\(info.sha256), \(info.size), \(info.chunks), \(now.milliseconds))
            ON CONFLICT (sha256) DO NOTHING RETURNING sha256
            """, logger: logger)
        {
            isNew = true
        }
        return isNew
    }

    public func deleteBlobs(except keep: Set<String>, createdBefore time: Timestamp) async throws -> Int {
        try await timed("sweep blobs") { [client] in
            var old: [String] = []
            for try await sha in try await client.query(
                "SELECT sha256 FROM blob WHERE created_at < \(time.milliseconds)"
            ).decode(String.self) {
                old.append(sha)
            }
            var removed = 0
            for sha in old where !keep.contains(sha) {
                try await client.query("DELETE FROM blob_chunk WHERE sha256 = \(sha)")
                try await client.query("DELETE FROM blob WHERE sha256 = \(sha)")
                removed += 1
            }
            return removed
        }
    }
}
