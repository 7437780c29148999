import ArgumentParser
import Foundation
import Logging
import SwarmStore

/// `swarmd migrate --from FILE.sqlite --to URL`: moves a log to PostgreSQL.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite log (events, command ids, projections, tokens) into an empty PostgreSQL database.",
        discussion: """
            Stop the hub first: the file must not change during the copy. The copy is then checked: the \
            same events one by one, the same last seq, command ids and tokens, a replay of each log \
            giving the same state, and the copy passing what 'swarmd check' checks (its projections and \
            channel index equal to a replay of it). The target must be empty (a new database, or one \
            with only this schema): a target that holds any event, token or command id is refused and \
            nothing is written. Tokens keep working: their hashes are copied.

            Exit status: 0 copied and checked; 2 the source cannot be read; 3 the target cannot be \
            reached; 4 the target is not empty; 5 the copy did not check out (the target holds the copy: \
            drop and recreate the database before trying again).

            Example:
              swarmd migrate --from ./data/swarm.sqlite --to postgres://swarm@db.example:5432/swarm
            """
    )

    @Option(help: ArgumentHelp("The SQLite database file to copy.", valueName: "file"))
    var from: String

    @Option(help: ArgumentHelp("The PostgreSQL database to copy into (postgres://…).", valueName: "url"))
    var to: String

    func validate() throws {
        guard FileManager.default.fileExists(atPath: from) else {
            throw ValidationError("--from \(from): no such file")
        }
        do {
            _ = try PostgresLocation(url: to)
        } catch {
            throw ValidationError("--to: \(error.message)")
        }
    }

    func run() async throws {
        let location = try PostgresLocation(url: to)
        let source: SQLiteEventStore
        do {
            source = try SQLiteEventStore(path: from)
        } catch {
            complain("error: cannot open \(from) as a swarm database: \(error)")
            throw ExitCode(2)
        }
        var logger = Logger(label: "swarmd.migrate")
        logger.logLevel = .warning
        let from = self.from
        let report: LogMigration.Report
        do {
            report = try await PostgresEventStore.withStore(location, logger: logger) { target in
                try await LogMigration.copy(from: source, to: target) { progress in
                    if progress.events % 20_000 == 0 { complain("copied \(progress.events) events") }
                }
            }
        } catch let error as StoreError {
            complain("error: \(error.message)")
            switch error.code {
            case .notEmpty: throw ExitCode(4)
            case .verification: throw ExitCode(5)
            case .unavailable, .migration, .invalidLocation: throw ExitCode(3)
            default: throw ExitCode(2)
            }
        }
        say(
            "copied \(from) to \(location.redacted): \(report.events) events (last seq \(report.lastSeq)), "
                + "\(report.commands) command ids, \(report.tokens) tokens, \(report.tickets) tickets, "
                + "\(report.articles) articles, \(report.mails) outgoing mails, \(report.webhooks) webhook deliveries; "
                + "checked: same events, last seq, command ids, tokens, outgoing mail and webhooks and replayed state; "
                + "projections and channel index equal a replay")
    }
}
