import Foundation
import NIOCore
import PostgresNIO
public import SwarmProtocol

extension PostgresEventStore {
    public func mailCursor() async throws -> Int64 {
        try await timed("read the mail cursor") { [client] in
            for try await seq in try await client.query("SELECT seq FROM mail_cursor").decode(Int64.self) {
                return seq
            }
            return -1
        }
    }

    public func enqueueMail(_ jobs: [MailJob], through seq: Int64) async throws {
        let logger = self.logger
        try await timed("plan mail") { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    for job in jobs {
                        let message = ByteBuffer(bytes: job.message)
                        let next = job.nextAttempt.milliseconds
                        let created = job.createdAt.milliseconds
                        let sent = job.sentAt?.milliseconds
                        try await connection.query(
                            """
                            INSERT INTO mail_out (id, seq, ticket, recipient, kind, message, state, attempts,
                                next_attempt, last_error, created_at, sent_at)
                            VALUES (\(job.id), \(job.seq), \(job.ticket), \(job.recipient), \(job.kind), \(message),
                                \(job.state.rawValue), \(job.attempts), \(next), \(job.lastError), \(created), \(sent))
                            ON CONFLICT (id) DO NOTHING
                            """, logger: logger)
                    }
                    try await connection.query(
                        "UPDATE mail_cursor SET seq = greatest(seq, \(seq))", logger: logger)
                }
            }
        }
    }

    public func dueMail(at now: Timestamp, limit: Int) async throws -> [MailJob] {
        try await mailJobs(
            """
            SELECT \(unescaped: Self.mailColumns) FROM mail_out
            WHERE state = 'pending' AND next_attempt <= \(now.milliseconds) ORDER BY seq, id LIMIT \(limit)
            """)
    }

    public func updateMail(
        _ id: String, state: MailJob.State, attempts: Int, nextAttempt: Timestamp, error: String?, at now: Timestamp
    ) async throws {
        try await recordTry(
            in: .mail, id, state: state.rawValue, attempts: attempts, nextAttempt: nextAttempt, error: error, at: now)
    }

    public func mail(_ id: String) async throws -> MailJob? {
        try await mailJobs("SELECT \(unescaped: Self.mailColumns) FROM mail_out WHERE id = \(id)").first
    }

    public func mailCount(to recipient: String, kind: String, since: Timestamp) async throws -> Int {
        try await timed("count mail") { [client] in
            for try await count in try await client.query(
                """
                SELECT count(*) FROM mail_out
                WHERE recipient = \(recipient) AND kind = \(kind) AND created_at >= \(since.milliseconds)
                """
            ).decode(Int64.self) {
                return Int(count)
            }
            return 0
        }
    }

    public func allMail() async throws -> [MailJob] {
        try await mailJobs("SELECT \(unescaped: Self.mailColumns) FROM mail_out ORDER BY seq, id")
    }

    public func mailSummary() async throws -> (counts: [MailJob.State: Int], oldestPending: Timestamp?) {
        try await summary(of: .mail, MailJob.State.self)
    }

    private static let mailColumns =
        "id, seq, ticket, recipient, kind, message, state, attempts, next_attempt, last_error, created_at, sent_at"

    private func mailJobs(_ query: PostgresQuery) async throws -> [MailJob] {
        try await timed("read mail") { [client] in
            var jobs: [MailJob] = []
            let rows = try await client.query(query)
            for try await row in rows {
                let (id, seq, ticket, recipient, kind, message, state, attempts, next, error, created, sent) =
                    try row.decode(
                        (
                            String, Int64, String?, String, String, ByteBuffer, String, Int, Int64, String?, Int64,
                            Int64?
                        ).self)
                jobs.append(
                    MailJob(
                        id: id, seq: seq, ticket: ticket, recipient: recipient, kind: kind,
                        message: Array(buffer: message), state: MailJob.State(rawValue: state) ?? .failed,
                        attempts: attempts, nextAttempt: Timestamp(milliseconds: next), lastError: error,
                        createdAt: Timestamp(milliseconds: created), sentAt: sent.map { Timestamp(milliseconds: $0) }))
            }
            return jobs
        }
    }
}
