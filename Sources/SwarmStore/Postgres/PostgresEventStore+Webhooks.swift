import Foundation
import NIOCore
import PostgresNIO
public import SwarmProtocol

extension PostgresEventStore {
    public func webhookCursors() async throws -> [String: Int64] {
        try await timed("read the webhook cursors") { [client] in
            var cursors: [String: Int64] = [:]
            for try await (hook, seq) in try await client.query("SELECT hook, seq FROM webhook_cursor").decode(
                (String, Int64).self)
            {
                cursors[hook] = seq
            }
            return cursors
        }
    }

    public func enqueueWebhooks(_ deliveries: [WebhookDelivery], through seq: Int64, hooks: [String]) async throws {
        let logger = self.logger
        try await timed("plan webhooks") { [client] in
            try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    for delivery in deliveries {
                        let body = ByteBuffer(bytes: delivery.body)
                        let next = delivery.nextAttempt.milliseconds
                        let created = delivery.createdAt.milliseconds
                        let sent = delivery.sentAt?.milliseconds
                        try await connection.query(
                            """
                            INSERT INTO webhook_out (id, seq, hook, ticket, event, body, state, attempts,
                                next_attempt, last_error, created_at, sent_at)
                            VALUES (\(delivery.id), \(delivery.seq), \(delivery.hook), \(delivery.ticket),
                                \(delivery.event), \(body), \(delivery.state.rawValue), \(delivery.attempts), \(next),
                                \(delivery.lastError), \(created), \(sent))
                            ON CONFLICT (id) DO NOTHING
                            """, logger: logger)
                    }
                    for hook in hooks {
                        try await connection.query(
                            """
                            INSERT INTO webhook_cursor (hook, seq) VALUES (\(hook), \(seq))
                            ON CONFLICT (hook) DO UPDATE SET seq = greatest(webhook_cursor.seq, excluded.seq)
                            """, logger: logger)
                    }
                }
            }
        }
    }

    public func dueWebhooks(at now: Timestamp, limit: Int) async throws -> [WebhookDelivery] {
        try await webhooks(
            """
            SELECT \(unescaped: Self.webhookColumns) FROM webhook_out AS d
            WHERE state = 'pending' AND next_attempt <= \(now.milliseconds)
                AND NOT EXISTS (
                    SELECT 1 FROM webhook_out AS e
                    WHERE e.hook = d.hook AND e.state = 'pending' AND e.seq < d.seq
                        AND e.next_attempt > \(now.milliseconds))
            ORDER BY seq, id LIMIT \(limit)
            """)
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
        try await webhooks("SELECT \(unescaped: Self.webhookColumns) FROM webhook_out WHERE id = \(id)").first
    }

    public func allWebhooks() async throws -> [WebhookDelivery] {
        try await webhooks("SELECT \(unescaped: Self.webhookColumns) FROM webhook_out ORDER BY seq, id")
    }

    public func webhookSummary() async throws -> (counts: [WebhookDelivery.State: Int], oldestPending: Timestamp?) {
        try await summary(of: .webhooks, WebhookDelivery.State.self)
    }

    private static let webhookColumns =
        "id, seq, hook, ticket, event, body, state, attempts, next_attempt, last_error, created_at, sent_at"

    private func webhooks(_ query: PostgresQuery) async throws -> [WebhookDelivery] {
        try await timed("read webhooks") { [client] in
            var deliveries: [WebhookDelivery] = []
            for try await row in try await client.query(query) {
                let (id, seq, hook, ticket, event, body, state, attempts, next, error, created, sent) =
                    try row.decode(
                        (
                            String, Int64, String, String?, String, ByteBuffer, String, Int, Int64, String?, Int64,
                            Int64?
                        ).self)
                deliveries.append(
                    WebhookDelivery(
                        id: id, seq: seq, hook: hook, ticket: ticket, event: event, body: Array(buffer: body),
                        state: WebhookDelivery.State(rawValue: state) ?? .failed, attempts: attempts,
                        nextAttempt: Timestamp(milliseconds: next), lastError: error,
                        createdAt: Timestamp(milliseconds: created), sentAt: sent.map { Timestamp(milliseconds: $0) }))
            }
            return deliveries
        }
    }
}
