import ArgumentParser
import Foundation
import SwarmStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `swarmd backup FILE`: a consistent copy of a SQLite database, taken while the hub runs, and checked.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite database into a new file while the hub runs, and check the copy.",
        discussion: """
            The copy is one consistent snapshot, taken with SQLite's online backup API while the hub \
            goes on serving and writing (WAL mode). It is written to a temporary name beside FILE \
            ('.FILE.partial-PID'), then checked as 'swarmd check' checks a database (integrity, seq \
            gap-free, every event readable, projections and channel index equal to a replay), and its \
            last seq must be at least the one the database had when the backup began; only then is it \
            renamed to FILE. A copy that does not check out is deleted and FILE is left as it was. \
            FILE gets mode 0600, like the database; it is self-contained (no -wal file needed).

            A PostgreSQL log is backed up with pg_dump (docs/operations.md, "Backups with pg_dump"). \
            Restoring a backup: docs/operations.md, "The database file".

            Exit status: 0 copied and checked; 2 the copy cannot be written; 3 the database cannot be \
            opened; 5 the copy did not check out (nothing was kept).

            Example:
              swarmd backup --db /var/lib/swarm/swarm.sqlite /backup/swarm-$(date +%F).sqlite
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The file to write the copy to.", valueName: "file"))
    var file: String

    @Flag(help: "Replace FILE if it exists (it is replaced only once the new copy checks out).")
    var force = false

    func validate() throws {
        guard store.postgres == nil else {
            throw ValidationError(
                "--postgres: swarmd backup copies a SQLite database; back a PostgreSQL log up with pg_dump, which "
                    + "takes one consistent snapshot while the nodes run (docs/operations.md, \"Backups with pg_dump\")"
            )
        }
        guard case .sqlite(let path) = store.choice else { return }
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("--db \(path): no such file") }
        let target = URL(fileURLWithPath: file).standardizedFileURL
        guard target.path != URL(fileURLWithPath: path).standardizedFileURL.path else {
            throw ValidationError("\(file) is the database itself; name another file")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else {
                throw ValidationError("\(file) is a directory; name a file inside it, like \(file)/swarm.sqlite")
            }
            guard force else { throw ValidationError("\(file) exists; give --force to replace it") }
        }
        let folder = target.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(folder): no such folder for \(file)")
        }
    }

    func run() async throws {
        guard case .sqlite(let path) = store.choice else { return }
        let target = URL(fileURLWithPath: file).standardizedFileURL
        let partial = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())").path
        let startSeq: Int64 = try await store.withExistingStore { source in
            // `validate` refused --postgres: the store is the SQLite file.
            guard let source = source as? SQLiteEventStore else { throw ExitCode(3) }
            do {
                let seq = try await source.lastSeq()
                try source.backup(toNewFile: partial)
                return seq
            } catch {
                removeDatabase(partial)
                complain("error: cannot copy \(path) to \(partial): \(error)")
                throw ExitCode(2)
            }
        }
        let report: LogCheck.Report
        do {
            let copy = try SQLiteEventStore.existing(path: partial)
            report = try await LogCheck.run(copy)
            try copy.close()
        } catch {
            removeDatabase(partial)
            complain("error: the copy \(partial) cannot be read back: \(error); nothing was kept")
            throw ExitCode(5)
        }
        var problems = report.problems.map(\.description)
        if report.lastSeq < startSeq {
            problems.append(
                "the copy ends at seq \(report.lastSeq), the database was at \(startSeq) when the backup began")
        }
        guard problems.isEmpty else {
            removeDatabase(partial)
            for problem in problems { complain("problem: \(problem)") }
            complain(
                "error: the copy of \(path) did not check out; nothing was kept (run swarmd check on the database)")
            throw ExitCode(5)
        }
        guard rename(partial, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            removeDatabase(partial)
            complain("error: cannot rename \(partial) to \(target.path): \(reason)")
            throw ExitCode(2)
        }
        syncFolder(of: target)
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.intValue ?? 0
        say(
            "backed up \(path) to \(file): last seq \(report.lastSeq) (the database was at \(startSeq) when the "
                + "backup began), \(report.events) events, \(report.tickets) tickets, \(report.tokens) tokens, "
                + "\(size) bytes; checked: integrity, seq gap-free, projections and channel index equal a replay")
    }

    /// Removes a copy that is not kept, with the -wal and -shm files SQLite may have left beside it.
    private func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Makes the rename durable: the folder's entry is on disk when the command reports success.
    private func syncFolder(of file: URL) {
        let fd = open(file.deletingLastPathComponent().path, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
