import GRDB
import SwarmProtocol

extension SQLiteEventStore {
    /// Records a try's outcome on one row of `queue`: `sent` (at `now`), `failed`, or `pending` again.
    func recordTry(
        in queue: OutgoingQueue, _ id: String, state: String, attempts: Int, nextAttempt: Timestamp, error: String?,
        at now: Timestamp
    ) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE \(queue.table) SET state = ?, attempts = ?, next_attempt = ?, last_error = ?,
                        sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
                    WHERE id = ?
                    """,
                arguments: [state, attempts, nextAttempt.milliseconds, error, state, now.milliseconds, id])
        }
    }

    /// How many rows of `queue` are in each state, and when the oldest pending one was planned.
    func summary<State: RawRepresentable & Hashable & Sendable>(of queue: OutgoingQueue, _: State.Type) async throws
        -> (
            counts: [State: Int], oldestPending: Timestamp?
        ) where State.RawValue == String
    {
        try await writer.read { db in
            var counts: [State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM \(queue.table) GROUP BY state") {
                if let state = State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            let oldest = try Int64.fetchOne(
                db, sql: "SELECT min(created_at) FROM \(queue.table) WHERE state = 'pending'")
            return (counts, oldest.map { Timestamp(milliseconds: $0) })
        }
    }
}
