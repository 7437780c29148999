import Foundation
import GRDB
public import SwarmProtocol

extension SQLiteEventStore {
    public func webhookCursors() async throws -> [String: Int64] {
        try await writer.read { db in
            var cursors: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT hook, seq FROM webhook_cursor") {
                let hook: String = row["hook"]
                let seq: Int64 = row["seq"]
                cursors[hook] = seq
            }
            return cursors
        }
    }

    public func enqueueWebhooks(_ deliveries: [WebhookDelivery], through seq: Int64, hooks: [String]) async throws {
        try await writer.write { db in
            for delivery in deliveries {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO webhook_out
                            (id, seq, hook, ticket, event, body, state, attempts, next_attempt, last_error,
                             created_at, sent_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        delivery.id, delivery.seq, delivery.hook, delivery.ticket, delivery.event, Data(delivery.body),
                        delivery.state.rawValue, delivery.attempts, delivery.nextAttempt.milliseconds,
                        delivery.lastError, delivery.createdAt.milliseconds, delivery.sentAt?.milliseconds,
                    ])
            }
            for hook in hooks {
                try db.execute(
                    sql: """
                        INSERT INTO webhook_cursor (hook, seq) VALUES (?, ?)
                        ON CONFLICT (hook) DO UPDATE SET seq = max(seq, excluded.seq)
                        """, arguments: [hook, seq])
            }
        }
    }

    public func dueWebhooks(at now: Timestamp, limit: Int) async throws -> [WebhookDelivery] {
        try await webhooks(
            """
            SELECT * FROM webhook_out AS d
            WHERE state = 'pending' AND next_attempt <= ?
                AND NOT EXISTS (
                    SELECT 1 FROM webhook_out AS e
                    WHERE e.hook = d.hook AND e.state = 'pending' AND e.seq < d.seq AND e.next_attempt > ?)
            ORDER BY seq, id LIMIT ?
            """, [now.milliseconds, now.milliseconds, limit])
    }

    public func updateWebhook(
        _ id: String, state: WebhookDelivery.State, attempts: Int, nextAttempt: Timestamp, error: String?,
        at now: Timestamp
    ) async throws {
        try await recordTry(
            in: .webhooks, id, state: state.rawValue, attempts: attempts, nextAttempt: nextAttempt, error: error,
            at: now)
    }

    public func webhook(_ id: String) async throws -> WebhookDelivery? {
        try await webhooks("SELECT * FROM webhook_out WHERE id = ?", [id]).first
    }

    public func allWebhooks() async throws -> [WebhookDelivery] {
        try await webhooks("SELECT * FROM webhook_out ORDER BY seq, id", [])
    }

    public func webhookSummary() async throws -> (counts: [WebhookDelivery.State: Int], oldestPending: Timestamp?) {
        try await summary(of: .webhooks, WebhookDelivery.State.self)
    }

    private func webhooks(_ sql: String, _ arguments: StatementArguments) async throws -> [WebhookDelivery] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let body: Data = row["body"]
                let sentAt: Int64? = row["sent_at"]
                return WebhookDelivery(
                    id: row["id"], seq: row["seq"], hook: row["hook"], ticket: row["ticket"], event: row["event"],
                    body: Array(body), state: WebhookDelivery.State(rawValue: row["state"]) ?? .failed,
                    attempts: row["attempts"], nextAttempt: Timestamp(milliseconds: row["next_attempt"]),
                    lastError: row["last_error"], createdAt: Timestamp(milliseconds: row["created_at"]),
                    sentAt: sentAt.map { Timestamp(milliseconds: $0) })
            }
        }
    }
}
