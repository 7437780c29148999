import Foundation
import SwarmProtocol
import SwarmStore
import Testing

@Suite("The outgoing webhook queue (SQLite and PostgreSQL)")
struct WebhookStoreTests {
    func delivery(_ seq: Int64, _ hook: String = "chat", at: Int64 = 1_000, body: String = "{}") -> WebhookDelivery {
        WebhookDelivery(
            id: "e.\(seq).\(hook)", seq: seq, hook: hook, ticket: "T-1", event: "comment.added",
            body: Array(body.utf8), nextAttempt: Timestamp(milliseconds: at), createdAt: Timestamp(milliseconds: at))
    }

    @Test(
        "planning moves each named hook's cursor with the deliveries; planning an event again adds nothing",
        arguments: StoreKind.available)
    func planning(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.webhookCursors().isEmpty, "no hook has been planned for")
            try await store.enqueueWebhooks([], through: 4, hooks: ["chat"])
            try await store.enqueueWebhooks(
                [delivery(5), delivery(5, "ops"), delivery(7)], through: 7, hooks: ["chat", "ops"])
            #expect(try await store.webhookCursors() == ["chat": 7, "ops": 7])
            // The same event planned again (a sender that died before it read its cursors back) finds its row.
            try await store.enqueueWebhooks([delivery(5, body: #"{"changed":1}"#)], through: 5, hooks: ["chat"])
            #expect(try await store.webhookCursors() == ["chat": 7, "ops": 7], "a cursor never moves back")
            #expect(try await store.webhook("e.5.chat")?.body == Array("{}".utf8))
            let due = try await store.dueWebhooks(at: Timestamp(milliseconds: 2_000), limit: 10)
            #expect(due.map(\.id) == ["e.5.chat", "e.5.ops", "e.7.chat"])
            #expect(due.first == delivery(5))
            #expect(try await store.dueWebhooks(at: Timestamp(milliseconds: 999), limit: 10).isEmpty)
        }
    }

    @Test(
        "a try's outcome; a hook's later deliveries wait behind the one it retries, the other hooks go on",
        arguments: StoreKind.available)
    func outcomes(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.enqueueWebhooks(
                [delivery(1), delivery(2), delivery(3), delivery(4, "ops")], through: 4, hooks: ["chat", "ops"])
            let now = Timestamp(milliseconds: 5_000)
            let later = Timestamp(milliseconds: 15_000)
            try await store.updateWebhook("e.1.chat", state: .sent, attempts: 1, nextAttempt: now, error: nil, at: now)
            try await store.updateWebhook(
                "e.2.chat", state: .pending, attempts: 1, nextAttempt: later, error: "the receiver answered 503",
                at: now)
            #expect(
                try await store.dueWebhooks(at: now, limit: 10).map(\.id) == ["e.4.ops"], "chat waits, ops does not")
            #expect(try await store.dueWebhooks(at: later, limit: 10).map(\.id) == ["e.2.chat", "e.3.chat", "e.4.ops"])
            try await store.updateWebhook(
                "e.3.chat", state: .failed, attempts: 1, nextAttempt: now, error: "the receiver answered 410", at: now)
            let sent = try #require(try await store.webhook("e.1.chat"))
            #expect(sent.state == .sent && sent.sentAt == now && sent.attempts == 1)
            let waiting = try #require(try await store.webhook("e.2.chat"))
            #expect(waiting.lastError == "the receiver answered 503" && waiting.sentAt == nil)
            let summary = try await store.webhookSummary()
            #expect(summary.counts == [.sent: 1, .pending: 2, .failed: 1])
            #expect(summary.oldestPending == Timestamp(milliseconds: 1_000))
            #expect(try await store.allWebhooks().map(\.id) == ["e.1.chat", "e.2.chat", "e.3.chat", "e.4.ops"])
        }
    }

    @Test("swarmd check finds deliveries of events the log does not hold", arguments: StoreKind.available)
    func checked(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await LogCheck.run(store).problems.filter { $0.kind == .webhooks }.isEmpty)
            try await store.enqueueWebhooks([delivery(3)], through: 3, hooks: ["chat"])
            let problems = try await LogCheck.run(store).problems.filter { $0.kind == .webhooks }
            #expect(problems.count == 2, "\(problems)")
            #expect(problems.contains { $0.message.contains("hook chat has been planned through seq 3, beyond") })
            #expect(problems.contains { $0.message.contains("delivery e.3.chat is for seq 3") })
        }
    }

    @Test("the queue and the cursors survive closing and reopening the file")
    func durable() async throws {
        let path = NSTemporaryDirectory() + "webhooks-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try SQLiteEventStore(path: path)
            try await store.enqueueWebhooks([delivery(4)], through: 9, hooks: ["chat"])
        }
        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.webhookCursors() == ["chat": 9])
        #expect(try await reopened.dueWebhooks(at: Timestamp(milliseconds: 1_000), limit: 5).map(\.id) == ["e.4.chat"])
    }
}
