import Foundation
internal import GRDB

extension SQLiteEventStore {
    /// Opens an existing swarm database without changing it: no file is created and no migration
    /// runs (a check or a backup only reads). For `swarmd check` and the verification of a backup;
    /// it may be opened while a hub serves the same file (WAL: readers do not block the writer).
    ///
    /// - Throws: ``StoreError`` `migration` when the file is not a swarm database, or was written
    ///   by another version of swarmd; the database error when SQLite cannot open or read it.
    public static func existing(path: String) throws -> SQLiteEventStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.migration, "\(path): no such file")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // A queue, not a pool: a pool would turn a copy in rollback mode into WAL mode, and leave
        // -wal and -shm files beside it. On a WAL file (a hub's) it reads the last commit as well.
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.read { db in
            if try migrator.hasBeenSuperseded(db) {
                throw StoreError(.migration, "\(path) was written by a newer swarmd; check it with that version")
            }
            guard try migrator.hasCompletedMigrations(db) else {
                throw StoreError(.migration, "\(path) is not a swarm database (its schema is missing or incomplete)")
            }
        }
        return SQLiteEventStore(unmigrated: queue, path: path)
    }

    /// The problems SQLite's `PRAGMA integrity_check` finds (a damaged page, a broken index), one
    /// line each; empty when the file is sound. A file so damaged that the check cannot run gives
    /// one line with SQLite's error.
    public func integrityProblems() async throws -> [String] {
        do {
            return try await writer.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            }
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            return ["SQLite cannot read the file: \(error.message ?? "\(error)")"]
        }
    }

    /// Copies the database into a new file at `path` with SQLite's online backup API, in one step:
    /// the copy is one consistent snapshot (the last commit before the copy began), taken while the
    /// hub goes on writing (WAL mode: the backup reads, writers are not held up). The new file is
    /// created with mode 0600, like the database, and left in rollback-journal mode, so it is one
    /// self-contained file (a hub that opens it puts it back into WAL mode). The copy gets a new log
    /// epoch (``LogEpoch``): restored, it goes on from an older `seq`, and its clients must learn that
    /// it is not the log they read. Synchronous, as SQLite's API is: for a command line tool, not for
    /// the hub.
    ///
    /// - Throws: ``StoreError`` `database` when `path` exists already or cannot be created; the
    ///   database error when the copy fails.
    public func backup(toNewFile path: String) throws {
        guard !FileManager.default.fileExists(atPath: path),
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw StoreError(.database, "cannot create \(path)") }
        let copy = try DatabaseQueue(path: path)
        do {
            try writer.backup(to: copy)
            try copy.write { db in
                try db.execute(sql: "UPDATE log_epoch SET epoch = ?", arguments: [LogEpoch.generate()])
            }
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
        } catch {
            try? copy.close()
            throw error
        }
    }

    /// Closes the database connections; the store must not be used afterwards.
    public func close() throws {
        if let pool = writer as? DatabasePool { try pool.close() }
        if let queue = writer as? DatabaseQueue { try queue.close() }
    }
}
