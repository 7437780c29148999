import ArgumentParser
import Foundation
import SwarmStore

/// `swarmd check`: proves a database sound, or names what is wrong with it.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a database: integrity, seq gap-free, every event readable, projections equal to a replay.",
        discussion: """
            Checks, without changing anything: SQLite's PRAGMA integrity_check (damaged pages or \
            indexes); that seq runs 1, 2, 3… without a hole; that every event decodes; that replaying \
            the log gives the ticket and article projections the database keeps; that the channel index \
            (what a resume with 'since' reads) lists exactly the events of each channel; that no \
            remembered command ack names a seq beyond the log's end; that the tokens can be read. \
            It may run while a hub serves the database.

            Exit status: 0 the database checks out (a summary on standard output); 1 problems were \
            found (one line each on standard error: 'problem: KIND: what'); 3 the database cannot be \
            opened or read.

            Examples:
              swarmd check --db /var/lib/swarm/swarm.sqlite
              swarmd check --db /backup/swarm-2026-12-03.sqlite
              swarmd check --postgres postgres://swarm@db.example:5432/swarm
            """
    )

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if case .sqlite(let path) = store.choice, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--db \(path): no such file")
        }
    }

    func run() async throws {
        let location = store.description
        let report: LogCheck.Report
        do {
            report = try await store.withExistingStore { try await LogCheck.run($0) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            complain("error: cannot read the database \(location): \(error)")
            throw ExitCode(3)
        }
        for problem in report.problems { complain("problem: \(problem)") }
        guard report.problems.isEmpty else {
            complain("\(location): \(report.problems.count) problem(s) found")
            throw ExitCode(1)
        }
        say("\(location) checks out: \(Check.summary(report))")
    }

    /// What a report counted, for a line of output.
    static func summary(_ report: LogCheck.Report) -> String {
        let events = report.lastSeq == 0 ? "no events" : "\(report.events) events (seq 1–\(report.lastSeq), no gap)"
        return "\(events), \(report.tickets) tickets, "
            + "\(report.articles) articles, \(report.channels) channels, \(report.commands) command ids, "
            + "\(report.tokens) tokens; the projections and the channel index equal a replay of the log"
    }
}
