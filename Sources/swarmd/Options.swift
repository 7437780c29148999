public import ArgumentParser
import Foundation
import Logging
public import SwarmCore
public import SwarmProtocol
import SwarmStore

/// Where the event log is: the options every subcommand that touches the log shares, and the one
/// place that opens a store. SQLite (`--db FILE`) is the default; `--postgres URL` keeps the log in a
/// PostgreSQL database, which several `swarmd serve` nodes may share.
struct StoreOptions: ParsableArguments {
    /// The SQLite file when neither option is given.
    static let defaultDatabase = "./data/swarm.sqlite"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The SQLite database file of the event log (default: \(defaultDatabase)).", valueName: "file"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep the event log in PostgreSQL instead: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
                + "[?sslmode=disable|prefer|require]. Several hubs may serve one database.",
            valueName: "url"))
    var postgres: String?

    /// The store the options name.
    enum Choice {
        case sqlite(path: String)
        case postgres(PostgresLocation)
    }

    /// The store the options name; call after `validate()`.
    var choice: Choice {
        if let postgres, let location = try? PostgresLocation(url: postgres) { return .postgres(location) }
        return .sqlite(path: db ?? Self.defaultDatabase)
    }

    /// The store as messages name it: the SQLite file, or the PostgreSQL server and database.
    var description: String {
        switch choice {
        case .sqlite(let path): path
        case .postgres(let location): "\(location)"
        }
    }

    func validate() throws {
        if let postgres {
            guard db == nil else { throw ValidationError("give --db FILE or --postgres URL, not both") }
            do {
                _ = try PostgresLocation(url: postgres)
            } catch {
                throw ValidationError("--postgres: \(error.message)")
            }
            return
        }
        let db = self.db ?? Self.defaultDatabase
        guard !db.isEmpty else { throw ValidationError("--db must name a file") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--db \(db) is a directory; name a file inside it, like \(db)/swarm.sqlite")
        }
    }

    /// The SQLite file as an absolute path (or the PostgreSQL server and database), for the token
    /// commands to say which log they changed: `./data/swarm.sqlite` of another directory is
    /// another hub's log.
    var absoluteDescription: String {
        switch choice {
        case .sqlite(let path):
            URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                .standardizedFileURL.path
        case .postgres(let location): "\(location)"
        }
    }

    /// Refuses a SQLite file that does not exist yet, unless `create`: the token commands work on the
    /// running hub's log, and one made anew beside it (the default `./data/swarm.sqlite` in another
    /// directory) would hold tokens the hub never sees, refused as "unknown or revoked". Exit status
    /// 3, the file named on standard error.
    func requireExistingDatabase(unless create: Bool, creatingWith flag: String? = nil) throws {
        guard case .sqlite(let path) = choice, !create, !FileManager.default.fileExists(atPath: path) else { return }
        let hint = flag.map { "; to start a new log there, give \($0)" } ?? ""
        complain(
            "error: there is no database \(absoluteDescription); give --db with the file the hub serves"
                + " (swarmd serve --db FILE)\(hint)")
        throw ExitCode(3)
    }

    /// Opens the store, runs `body` with it, and closes it. A store that cannot be opened (a file
    /// that is not a database, a server that does not answer, a schema newer than this program) ends
    /// the command with exit status 3 and the reason on standard error.
    func withStore<Result: Sendable>(
        logger: Logger = StoreOptions.quietLogger, _ body: (any EventStore) async throws -> Result
    ) async throws -> Result {
        switch choice {
        case .sqlite(let path):
            let store: SQLiteEventStore
            do {
                store = try SQLiteEventStore(path: path)
            } catch {
                complain("error: cannot open the database \(path): \(error)")
                throw ExitCode(3)
            }
            return try await body(store)
        case .postgres(let location):
            var opened = false
            do {
                return try await PostgresEventStore.withStore(location, logger: logger) { store in
                    opened = true
                    return try await body(store)
                }
            } catch let error as StoreError where !opened {
                complain("error: cannot open the database \(location): \(error.message)")
                throw ExitCode(3)
            }
        }
    }

    /// Opens the store as it is, for the commands that read it and must not change it (check,
    /// backup): a SQLite file is neither created nor migrated.
    /// A PostgreSQL store opens as ``withStore(logger:_:)`` opens it. A store that cannot be opened
    /// ends the command with exit status 3 and the reason on standard error.
    func withExistingStore<Result: Sendable>(_ body: (any EventStore) async throws -> Result) async throws -> Result {
        guard case .sqlite(let path) = choice else { return try await withStore(body) }
        let store: SQLiteEventStore
        do {
            store = try SQLiteEventStore.existing(path: path)
        } catch {
            complain("error: cannot open the database \(path): \(error)")
            throw ExitCode(3)
        }
        defer { try? store.close() }
        return try await body(store)
    }

    /// The store's logger for the one-shot commands (tokens): warnings only, so their output stays
    /// what they print (the pool's reconnect attempts are noise there).
    static var quietLogger: Logger {
        var logger = Logger(label: "swarmd.store")
        logger.logLevel = .warning
        return logger
    }
}

/// Every duration flag: `500ms`, `90s`, `15m`, `4h`, `2d` (``TextDuration``, the one parser).
extension TextDuration: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Writes a line to standard output and flushes it, so a process reading a pipe sees it at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes a line to standard error.
func complain(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
