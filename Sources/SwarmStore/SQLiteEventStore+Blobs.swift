import Foundation
import GRDB
public import SwarmProtocol

/// The blobs in SQLite: each chunk written once, in `blob_data` under its owner — an upload's id while the
/// upload is on its way in (`blob_upload` names it), and still once it is finished, when the blob's row names
/// that owner. Finishing is one row; no byte is copied or deleted on the way in.
extension SQLiteEventStore {
    public func beginUpload(_ id: String, at now: Timestamp) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO blob_upload (id, started_at) VALUES (?, ?)", arguments: [id, now.milliseconds])
        }
    }

    public func writeUploadChunk(_ id: String, index: Int, bytes: [UInt8]) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO blob_data (owner, n, data) VALUES (?, ?, ?)", arguments: [id, index, Data(bytes)])
        }
    }

    public func finishUpload(_ id: String, as info: BlobInfo, at now: Timestamp) async throws -> Bool {
        try await writer.write { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM blob WHERE sha256 = ?", arguments: [info.sha256])
            let isNew = exists != true
            if isNew {
                try db.execute(
                    sql: "INSERT INTO blob (sha256, size, chunks, created_at, owner) VALUES (?, ?, ?, ?, ?)",
                    arguments: [info.sha256, info.size, info.chunks, now.milliseconds, id])
            } else {
                // The same bytes are stored already: this upload's copy goes.
                try db.execute(sql: "DELETE FROM blob_data WHERE owner = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM blob_upload WHERE id = ?", arguments: [id])
            return isNew
        }
    }

    public func discardUpload(_ id: String) async throws {
        try await writer.write { db in try Self.discard(upload: id, in: db) }
    }

    public func discardUploads(startedBefore time: Timestamp) async throws -> Int {
        try await writer.write { db in
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM blob_upload WHERE started_at < ?", arguments: [time.milliseconds])
            for id in ids { try Self.discard(upload: id, in: db) }
            return ids.count
        }
    }

    /// Drops an unfinished upload and its chunks; a finished one (its chunks a blob's now) is left alone.
    private static func discard(upload id: String, in db: Database) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM blob_upload WHERE id = ?", arguments: [id]) == true else {
            return
        }
        try db.execute(sql: "DELETE FROM blob_data WHERE owner = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM blob_upload WHERE id = ?", arguments: [id])
    }

    public func blobInfo(_ sha256: String) async throws -> BlobInfo? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT sha256, size, chunks FROM blob WHERE sha256 = ?", arguments: [sha256])
                .map { BlobInfo(sha256: $0["sha256"], size: $0["size"], chunks: $0["chunks"]) }
        }
    }

    public func blobChunk(_ sha256: String, index: Int) async throws -> [UInt8]? {
        try await writer.read { db in
            try Data.fetchOne(
                db,
                sql: """
                    SELECT blob_data.data FROM blob JOIN blob_data ON blob_data.owner = blob.owner
                    WHERE blob.sha256 = ? AND blob_data.n = ?
                    """, arguments: [sha256, index]
            ).map { [UInt8]($0) }
        }
    }

    public func allBlobs() async throws -> [BlobInfo] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT sha256, size, chunks FROM blob ORDER BY sha256").map {
                BlobInfo(sha256: $0["sha256"], size: $0["size"], chunks: $0["chunks"])
            }
        }
    }

    public func putBlob(_ info: BlobInfo, chunks: [[UInt8]], at now: Timestamp) async throws {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM blob WHERE sha256 = ?", arguments: [info.sha256]) != true
            else { return }
            try db.execute(
                sql: "INSERT INTO blob (sha256, size, chunks, created_at, owner) VALUES (?, ?, ?, ?, ?)",
                arguments: [info.sha256, info.size, info.chunks, now.milliseconds, info.sha256])
            for (index, bytes) in chunks.enumerated() {
                try db.execute(
                    sql: "INSERT INTO blob_data (owner, n, data) VALUES (?, ?, ?)",
                    arguments: [info.sha256, index, Data(bytes)])
            }
        }
    }

    public func deleteBlobs(except keep: Set<String>, createdBefore time: Timestamp) async throws -> Int {
        try await writer.write { db in
            let old = try Row.fetchAll(
                db, sql: "SELECT sha256, owner FROM blob WHERE created_at < ?", arguments: [time.milliseconds])
            var removed = 0
            for row in old {
                let sha: String = row["sha256"]
                guard !keep.contains(sha) else { continue }
                try db.execute(sql: "DELETE FROM blob_data WHERE owner = ?", arguments: [row["owner"] as String])
                try db.execute(sql: "DELETE FROM blob WHERE sha256 = ?", arguments: [sha])
                removed += 1
            }
            return removed
        }
    }
}
