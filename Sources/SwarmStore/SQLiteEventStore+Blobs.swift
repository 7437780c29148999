import Foundation
import GRDB
public import SwarmProtocol

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
                sql: "INSERT INTO blob_upload_chunk (upload, n, data) VALUES (?, ?, ?)",
                arguments: [id, index, Data(bytes)])
        }
    }

    public func finishUpload(_ id: String, as info: BlobInfo, at now: Timestamp) async throws -> Bool {
        try await writer.write { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM blob WHERE sha256 = ?", arguments: [info.sha256])
            let isNew = exists != true
            if isNew {
                try db.execute(
                    sql: "INSERT INTO blob (sha256, size, chunks, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [info.sha256, info.size, info.chunks, now.milliseconds])
                try db.execute(
                    sql: """
                        INSERT INTO blob_chunk (sha256, n, data)
                        SELECT ?, n, data FROM blob_upload_chunk WHERE upload = ? ORDER BY n
                        """, arguments: [info.sha256, id])
            }
            try db.execute(sql: "DELETE FROM blob_upload_chunk WHERE upload = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM blob_upload WHERE id = ?", arguments: [id])
            return isNew
        }
    }

    public func discardUpload(_ id: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM blob_upload_chunk WHERE upload = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM blob_upload WHERE id = ?", arguments: [id])
        }
    }

    public func discardUploads(startedBefore time: Timestamp) async throws -> Int {
        try await writer.write { db in
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM blob_upload WHERE started_at < ?", arguments: [time.milliseconds])
            for id in ids {
                try db.execute(sql: "DELETE FROM blob_upload_chunk WHERE upload = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM blob_upload WHERE id = ?", arguments: [id])
            }
            return ids.count
        }
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
                db, sql: "SELECT data FROM blob_chunk WHERE sha256 = ? AND n = ?", arguments: [sha256, index]
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
                sql: "INSERT INTO blob (sha256, size, chunks, created_at) VALUES (?, ?, ?, ?)",
                arguments: [info.sha256, info.size, info.chunks, now.milliseconds])
            for (index, bytes) in chunks.enumerated() {
                try db.execute(
                    sql: "INSERT INTO blob_chunk (sha256, n, data) VALUES (?, ?, ?)",
                    arguments: [info.sha256, index, Data(bytes)])
            }
        }
    }

    public func deleteBlobs(except keep: Set<String>, createdBefore time: Timestamp) async throws -> Int {
        try await writer.write { db in
            let old = try String.fetchAll(
                db, sql: "SELECT sha256 FROM blob WHERE created_at < ?", arguments: [time.milliseconds])
            var removed = 0
            for sha in old where !keep.contains(sha) {
                try db.execute(sql: "DELETE FROM blob_chunk WHERE sha256 = ?", arguments: [sha])
                try db.execute(sql: "DELETE FROM blob WHERE sha256 = ?", arguments: [sha])
                removed += 1
            }
            return removed
        }
    }
}
