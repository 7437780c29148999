import Foundation
import GRDB
public import SwarmProtocol

extension SQLiteEventStore {
    public func mailCursor() async throws -> Int64 {
        try await writer.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM mail_cursor WHERE id = 1") ?? -1 }
    }

    public func enqueueMail(_ jobs: [MailJob], through seq: Int64) async throws {
        try await writer.write { db in
            for job in jobs {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO mail_out
                            (id, seq, ticket, recipient, kind, message, state, attempts, next_attempt, last_error,
                             created_at, sent_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        job.id, job.seq, job.ticket, job.recipient, job.kind, Data(job.message), job.state.rawValue,
                        job.attempts, job.nextAttempt.milliseconds, job.lastError, job.createdAt.milliseconds,
                        job.sentAt?.milliseconds,
                    ])
            }
            try db.execute(sql: "UPDATE mail_cursor SET seq = max(seq, ?) WHERE id = 1", arguments: [seq])
        }
    }

    public func dueMail(at now: Timestamp, limit: Int) async throws -> [MailJob] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM mail_out WHERE state = 'pending' AND next_attempt <= ?
                    ORDER BY seq, id LIMIT ?
                    """, arguments: [now.milliseconds, limit]
            ).map(Self.mailJob)
        }
    }

    public func updateMail(
        _ id: String, state: MailJob.State, attempts: Int, nextAttempt: Timestamp, error: String?, at now: Timestamp
    ) async throws {
        try await recordTry(
            in: .mail, id, state: state.rawValue, attempts: attempts, nextAttempt: nextAttempt, error: error, at: now)
    }

    public func mail(_ id: String) async throws -> MailJob? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mail_out WHERE id = ?", arguments: [id]).map(Self.mailJob)
        }
    }

    public func mailCount(to recipient: String, kind: String, since: Timestamp) async throws -> Int {
        try await writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM mail_out WHERE recipient = ? AND kind = ? AND created_at >= ?",
                arguments: [recipient, kind, since.milliseconds]) ?? 0
        }
    }

    public func allMail() async throws -> [MailJob] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM mail_out ORDER BY seq, id").map(Self.mailJob)
        }
    }

    public func mailSummary() async throws -> (counts: [MailJob.State: Int], oldestPending: Timestamp?) {
        try await summary(of: .mail, MailJob.State.self)
    }

    private static func mailJob(_ row: Row) -> MailJob {
        let message: Data = row["message"]
        let sentAt: Int64? = row["sent_at"]
        return MailJob(
            id: row["id"], seq: row["seq"], ticket: row["ticket"], recipient: row["recipient"], kind: row["kind"],
            message: Array(message), state: MailJob.State(rawValue: row["state"]) ?? .failed,
            attempts: row["attempts"], nextAttempt: Timestamp(milliseconds: row["next_attempt"]),
            lastError: row["last_error"], createdAt: Timestamp(milliseconds: row["created_at"]),
            sentAt: sentAt.map { Timestamp(milliseconds: $0) })
    }
}
