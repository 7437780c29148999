import PostgresNIO
import SwarmProtocol

extension PostgresEventStore {
    /// Records a try's outcome on one row of `queue`: `sent` (at `now`), `failed`, or `pending` again.
    func recordTry(
        in queue: OutgoingQueue, _ id: String, state: String, attempts: Int, nextAttempt: Timestamp, error: String?,
        at now: Timestamp
    ) async throws {
        let sentAt: Int64? = state == "sent" ? now.milliseconds : nil
        try await timed("record a try in \(queue.table)") { [client] in
            try await client.query(
                """
                UPDATE \(unescaped: queue.table) SET state = \(state), attempts = \(attempts),
                    next_attempt = \(nextAttempt.milliseconds), last_error = \(error),
                    sent_at = coalesce(\(sentAt), sent_at)
                WHERE id = \(id)
                """)
        }
    }

    /// How many rows of `queue` are in each state, and when the oldest pending one was planned.
    func summary<State: RawRepresentable & Hashable & Sendable>(of queue: OutgoingQueue, _: State.Type) async throws
        -> (counts: [State: Int], oldestPending: Timestamp?)
    where State.RawValue == String {
        try await timed("summarise \(queue.table)") { [client] in
            var counts: [State: Int] = [:]
            var oldest: Timestamp? = nil
            for try await (state, count, first) in try await client.query(
                "SELECT state, count(*), min(created_at) FROM \(unescaped: queue.table) GROUP BY state"
            ).decode((String, Int64, Int64?).self) {
                guard let state = State(rawValue: state) else { continue }
                counts[state] = Int(count)
                if state.rawValue == "pending" { oldest = first.map { Timestamp(milliseconds: $0) } }
            }
            return (counts, oldest)
        }
    }
}
