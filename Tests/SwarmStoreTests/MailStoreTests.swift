import Foundation
import SwarmProtocol
import SwarmStore
import Testing

@Suite("The outgoing mail queue (SQLite and PostgreSQL)")
struct MailStoreTests {
    func job(_ id: String, seq: Int64, at: Int64 = 1_000, body: String = "Hallo") -> MailJob {
        MailJob(
            id: id, seq: seq, ticket: "T-1", recipient: "rita@customer.example", kind: "reply",
            message: Array("Subject: x\r\n\r\n\(body)\r\n".utf8), nextAttempt: Timestamp(milliseconds: at),
            createdAt: Timestamp(milliseconds: at))
    }

    @Test(
        "planning moves the cursor with the jobs; planning an event again adds nothing", arguments: StoreKind.available)
    func planning(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.mailCursor() == -1, "no mailer has run")
            try await store.enqueueMail([job("T-1.3@it.example", seq: 3), job("T-1.5@it.example", seq: 5)], through: 7)
            #expect(try await store.mailCursor() == 7)
            // The same event planned again (a mailer that died before its cursor was read back) finds its row.
            try await store.enqueueMail([job("T-1.5@it.example", seq: 5, body: "changed")], through: 5)
            #expect(try await store.mailCursor() == 7, "the cursor never moves back")
            let stored = try #require(try await store.mail("T-1.5@it.example"))
            #expect(String(decoding: stored.message, as: UTF8.self).contains("Hallo"))
            let due = try await store.dueMail(at: Timestamp(milliseconds: 2_000), limit: 10)
            #expect(due.map(\.id) == ["T-1.3@it.example", "T-1.5@it.example"])
            #expect(due.first == job("T-1.3@it.example", seq: 3))
            #expect(try await store.dueMail(at: Timestamp(milliseconds: 999), limit: 10).isEmpty)
        }
    }

    @Test(
        "a try's outcome: sent leaves the queue, a retry waits for its time, failed stays out",
        arguments: StoreKind.available)
    func outcomes(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.enqueueMail(
                [job("a@it.example", seq: 1), job("b@it.example", seq: 2), job("c@it.example", seq: 3)], through: 3)
            let now = Timestamp(milliseconds: 5_000)
            try await store.updateMail("a@it.example", state: .sent, attempts: 1, nextAttempt: now, error: nil, at: now)
            try await store.updateMail(
                "b@it.example", state: .pending, attempts: 1, nextAttempt: Timestamp(milliseconds: 65_000),
                error: "the relay answered 451", at: now)
            try await store.updateMail(
                "c@it.example", state: .failed, attempts: 1, nextAttempt: now, error: "550 no such user", at: now)
            #expect(try await store.dueMail(at: now, limit: 10).isEmpty)
            #expect(
                try await store.dueMail(at: Timestamp(milliseconds: 65_000), limit: 10).map(\.id) == ["b@it.example"])
            let sent = try #require(try await store.mail("a@it.example"))
            #expect(sent.state == .sent && sent.sentAt == now && sent.attempts == 1)
            let retry = try #require(try await store.mail("b@it.example"))
            #expect(retry.lastError == "the relay answered 451" && retry.sentAt == nil)
            let summary = try await store.mailSummary()
            #expect(summary.counts == [.sent: 1, .pending: 1, .failed: 1])
            #expect(summary.oldestPending == Timestamp(milliseconds: 1_000))
        }
    }

    @Test("swarmd check finds mail planned for events the log does not hold", arguments: StoreKind.available)
    func checked(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await LogCheck.run(store).problems.filter { $0.kind == .mail }.isEmpty)
            // An empty log, and a queue that says it planned through seq 3: a log that lost its end.
            try await store.enqueueMail([job("T-1.3@it.example", seq: 3)], through: 3)
            let problems = try await LogCheck.run(store).problems.filter { $0.kind == .mail }
            #expect(problems.count == 2, "\(problems)")
            #expect(problems.contains { $0.message.contains("beyond the log's end at 0") })
            #expect(problems.contains { $0.message.contains("mail T-1.3@it.example is for seq 3") })
        }
    }

    @Test("the queue and its cursor survive closing and reopening the file")
    func durable() async throws {
        let path = NSTemporaryDirectory() + "mail-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try SQLiteEventStore(path: path)
            try await store.enqueueMail([job("x@it.example", seq: 4)], through: 9)
        }
        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.mailCursor() == 9)
        #expect(try await reopened.dueMail(at: Timestamp(milliseconds: 1_000), limit: 5).map(\.id) == ["x@it.example"])
    }
}
