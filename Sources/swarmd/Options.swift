public import ArgumentParser
import Foundation
public import SwarmProtocol
import SwarmStore

/// The options every subcommand shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file of the event log.", valueName: "file"))
    var db = "./data/swarm.sqlite"

    func validate() throws {
        guard !db.isEmpty else { throw ValidationError("--db must name a file") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--db \(db) is a directory; name a file inside it, like \(db)/swarm.sqlite")
        }
    }

    func open() throws -> SQLiteEventStore {
        do {
            return try SQLiteEventStore(path: db)
        } catch {
            complain("error: cannot open the database \(db): \(error)")
            throw ExitCode(3)
        }
    }
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
