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
            try await client.query("INSERT INTO blob_data (owner, n, data) VALUES (\(id), \(index), \(data))")
        }
    }

    public func finishUpload(_ id: String, as info: BlobInfo, at now: Timestamp) async throws -> Bool {
        let logger = self.logger
        return try await timed("store a blob") { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    // The chunks stay where they were written: the blob's row names them. The same bytes
                    // stored already (by anyone, or by another node at this moment): this upload's copy goes.
                    let isNew = try await Self.claimBlob(info, owner: id, at: now, on: connection, logger: logger)
                    if !isNew {
                        try await connection.query("DELETE FROM blob_data WHERE owner = \(id)", logger: logger)
                    }
                    try await connection.query("DELETE FROM blob_upload WHERE id = \(id)", logger: logger)
                    return isNew
                }
            }
        }
    }

    public func discardUpload(_ id: String) async throws {
        try await timed("discard an upload") { [client] in
            try await Self.discard(upload: id, on: client)
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
            for id in ids { try await Self.discard(upload: id, on: client) }
            return ids.count
        }
    }

    /// Drops an unfinished upload and its chunks; a finished one (its chunks a blob's now) is left alone.
    private static func discard(upload id: String, on client: PostgresClient) async throws {
        try await client.query(
            """
            DELETE FROM blob_data WHERE owner = \(id) AND EXISTS (SELECT 1 FROM blob_upload WHERE id = \(id))
            """)
        try await client.query("DELETE FROM blob_upload WHERE id = \(id)")
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
                """
                SELECT blob_data.data FROM blob JOIN blob_data ON blob_data.owner = blob.owner
                WHERE blob.sha256 = \(sha256) AND blob_data.n = \(index)
                """
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
                    guard try await Self.claimBlob(info, owner: info.sha256, at: now, on: connection, logger: logger)
                    else { return }
                    for (index, bytes) in chunks.enumerated() {
                        let data = ByteBuffer(bytes: bytes)
                        try await connection.query(
                            "INSERT INTO blob_data (owner, n, data) VALUES (\(info.sha256), \(index), \(data))",
                            logger: logger)
                    }
                }
            }
        }
    }

    /// Inserts the row of the blob `info` names, its chunks those of `owner`, in the caller's transaction;
    /// `false` when it is there already (the same bytes stored before, or by another node finishing them at
    /// once: the second waits for the first's row), and then these chunks are not the blob's.
    private static func claimBlob(
        _ info: BlobInfo, owner: String, at now: Timestamp, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        var isNew = false
        for try await _ in try await connection.query(
            """
            INSERT INTO blob (sha256, size, chunks, created_at, owner)
            VALUES (\(info.sha256), \(info.size), \(info.chunks), \(now.milliseconds), \(owner))
            ON CONFLICT (sha256) DO NOTHING RETURNING sha256
            """, logger: logger)
        {
            isNew = true
        }
        return isNew
    }

    public func deleteBlobs(except keep: Set<String>, createdBefore time: Timestamp) async throws -> Int {
        try await timed("sweep blobs") { [client] in
            var old: [(String, String)] = []
            for try await (sha, owner) in try await client.query(
                "SELECT sha256, owner FROM blob WHERE created_at < \(time.milliseconds)"
            ).decode((String, String).self) {
                old.append((sha, owner))
            }
            var removed = 0
            for (sha, owner) in old where !keep.contains(sha) {
                try await client.query("DELETE FROM blob_data WHERE owner = \(owner)")
                try await client.query("DELETE FROM blob WHERE sha256 = \(sha)")
                removed += 1
            }
            return removed
        }
    }
}
