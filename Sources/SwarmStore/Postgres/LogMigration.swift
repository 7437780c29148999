import Foundation
import SwarmCore
import SwarmProtocol

/// Moves a log from a SQLite file to an empty PostgreSQL database, and proves the copy: the same
/// events (seq, channels and JSON, one by one), the same last `seq`, command ids, tokens, outgoing mail and
/// webhooks, a replay of each log giving the same state, and the copy passing ``LogCheck`` (its projections and
/// channel index equal to a replay of it).
public enum LogMigration {
    /// What was copied.
    public struct Report: Sendable, Hashable {
        public var events = 0
        public var lastSeq: Int64 = 0
        public var commands = 0
        public var tokens = 0
        /// Mails of the outgoing queue, whatever their state, with the mailer's cursor.
        public var mails = 0
        /// Deliveries of the outgoing webhooks, whatever their state, with each hook's cursor.
        public var webhooks = 0
        /// Attachments' blobs.
        public var blobs = 0
        public var tickets = 0
        public var articles = 0
    }

    /// Events per transaction.
    static let pageSize = 2000

    /// Copies `source` into `target`, which must be empty, then verifies the copy.
    ///
    /// - Throws: ``StoreError`` `not_empty` (nothing is written) when the target has any event, token
    ///   or command id; `verification` when the copy does not read back the same; a store error when
    ///   either database fails.
    public static func copy(
        from source: SQLiteEventStore, to target: PostgresEventStore,
        progress: (Report) -> Void = { _ in }
    ) async throws -> Report {
        let targetSeq = try await target.lastSeq()
        let targetTokens = try await target.storedTokens().count
        let targetCommands = try await target.commands(since: Timestamp(milliseconds: .min)).count
        guard targetSeq == 0, targetTokens == 0, targetCommands == 0 else {
            throw StoreError(
                .notEmpty,
                "the target \(target.location) is not empty (log at seq \(targetSeq), \(targetTokens) token(s), "
                    + "\(targetCommands) command id(s)); migrate copies into an empty database only")
        }
        var report = Report()
        var state = SwarmState()
        var after: Int64 = 0
        while true {
            let page = try await source.events(after: after, limit: pageSize)
            guard let last = page.last else { break }
            var batch = AppendBatch()
            batch.afterSeq = after
            batch.events = page
            var touchedTickets: [String] = []
            var touchedArticles: [String] = []
            for stored in page {
                state.apply(stored.event)
                if let ticket = stored.event.ticket, !touchedTickets.contains(ticket) { touchedTickets.append(ticket) }
                switch stored.event.payload {
                case .kbCreated(let article): touchedArticles.append(article.id)
                case .kbPublished(let id): touchedArticles.append(id)
                default: break
                }
            }
            batch.tickets = touchedTickets.compactMap { state.tickets[$0] }
            batch.articles = touchedArticles.compactMap { state.articles[$0] }
            try await target.append(batch)
            report.events += page.count
            report.lastSeq = last.seq
            after = last.seq
            progress(report)
        }
        let commands = try await source.commands(since: Timestamp(milliseconds: .min))
        for start in stride(from: 0, to: commands.count, by: pageSize) {
            var batch = AppendBatch()
            batch.afterSeq = after
            batch.commands = Array(commands[start..<min(start + pageSize, commands.count)])
            try await target.append(batch)
        }
        report.commands = commands.count
        let tokens = try await source.storedTokens()
        try await target.importTokens(tokens)
        try await target.setEpoch(try await source.epoch())
        report.tokens = tokens.count
        // The mail queue and its cursor: without them the copy's mailer would start at the log's end and
        // drop what was still waiting for the relay.
        let mails = try await source.allMail()
        try await target.enqueueMail(mails, through: try await source.mailCursor())
        report.mails = mails.count
        // The webhook deliveries and each hook's cursor, for the same reason.
        let webhooks = try await source.allWebhooks()
        try await target.enqueueWebhooks(webhooks, through: 0, hooks: [])
        for (hook, seq) in try await source.webhookCursors() {
            try await target.enqueueWebhooks([], through: seq, hooks: [hook])
        }
        report.webhooks = webhooks.count
        // The attachments' bytes, a blob at a time (one file's chunks in memory at once).
        let blobs = try await source.allBlobs()
        let now = Timestamp(Date())
        for blob in blobs {
            var chunks: [[UInt8]] = []
            for index in 0..<blob.chunks {
                guard let chunk = try await source.blobChunk(blob.sha256, index: index) else {
                    throw StoreError(.verification, "the source's blob \(blob.sha256) lacks chunk \(index)")
                }
                chunks.append(chunk)
            }
            try await target.putBlob(blob, chunks: chunks, at: now)
        }
        report.blobs = blobs.count
        report.tickets = state.tickets.count
        report.articles = state.articles.count
        try await verify(source, target, expected: report, state: state)
        return report
    }

    /// Reads both stores back and compares them; throws `verification` naming the first difference.
    static func verify(
        _ source: SQLiteEventStore, _ target: PostgresEventStore, expected: Report, state: SwarmState
    ) async throws {
        func differ(_ what: String) -> StoreError {
            StoreError(.verification, "the copy in \(target.location) differs from the source: \(what)")
        }
        let (sourceSeq, targetSeq) = (try await source.lastSeq(), try await target.lastSeq())
        guard sourceSeq == targetSeq, targetSeq == expected.lastSeq else {
            throw differ("last seq \(targetSeq), source \(sourceSeq)")
        }
        var replayed = SwarmState()
        var count = 0
        var after: Int64 = 0
        while true {
            let mine = try await source.events(after: after, limit: pageSize)
            let theirs = try await target.events(after: after, limit: pageSize)
            guard mine.map(\.record) == theirs.map(\.record) else {
                let index =
                    zip(mine, theirs).enumerated().first { $0.element.0.record != $0.element.1.record }?.offset
                    ?? min(mine.count, theirs.count)
                throw differ("the events after seq \(after) differ at the \(index + 1)th")
            }
            guard let last = theirs.last else { break }
            for stored in theirs { replayed.apply(stored.event) }
            count += theirs.count
            after = last.seq
        }
        guard count == expected.events else { throw differ("\(count) events, source \(expected.events)") }
        guard replayed == state else { throw differ("a replay of the copy gives another state than the source's") }
        let all = Timestamp(milliseconds: .min)
        let sourceCommands = Set(try await source.commands(since: all))
        let targetCommands = Set(try await target.commands(since: all))
        guard sourceCommands == targetCommands else {
            throw differ("\(targetCommands.count) command ids, source \(sourceCommands.count)")
        }
        guard try await source.storedTokens() == target.storedTokens() else { throw differ("the tokens") }
        guard try await source.epoch() == target.epoch() else { throw differ("the log epoch") }
        guard try await source.allMail() == target.allMail(), try await source.mailCursor() == target.mailCursor()
        else { throw differ("the outgoing mail queue") }
        guard try await source.allWebhooks() == target.allWebhooks(),
            try await source.webhookCursors() == target.webhookCursors()
        else { throw differ("the outgoing webhook queue") }
        guard try await source.allBlobs() == target.allBlobs() else { throw differ("the attachments' blobs") }
        // The copy's projections, channel index and acks against a replay of the copy: the check
        // `swarmd check` runs.
        let check = try await LogCheck.run(target)
        if let problem = check.problems.first { throw differ("\(problem)") }
    }
}
