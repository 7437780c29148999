import CoreMetrics
import Logging
import ServiceLifecycle
import SwarmCore
import SwarmMail
import SwarmProtocol
import SwarmStore

/// The hub's mail out: follows the log, plans the mails its events cause (``MailPlan`` to requesters,
/// ``NoticeMailPlan`` to agents who chose notices by mail), keeps them in
/// the store's queue (``MailStore``) and hands each to the relay until it takes it.
///
/// Driven by the log, not by the commit that just happened: it reads the events after its cursor from
/// the store, so what committed before a crash is planned after the restart, and the cursor moves in the
/// transaction that stores the planned mails, so an event is planned once. A mail is marked sent once
/// the relay has taken it; a `kill -9` between the relay's answer and that mark is the one way it can be
/// sent twice (with the same `Message-ID`, which mail programs thread as one). On a cluster only the
/// node that holds the timer lease mails (`mayRun`).
final class Mailer: Service, Sendable {
    /// What the mailer is told.
    struct Configuration: Sendable {
        /// The envelope's and the `From:` address.
        var from: MailAddress
        /// Where the hub's Message-IDs end, and its address for `X-Loop`.
        var identity: HubMailIdentity
        var language: MailLanguage = .de
        /// The requesters' portal the mail links to (from `--public-url`), if the hub knows its address.
        var portal: String? = nil
        /// How often the log and the queue are looked at when nothing wakes the mailer.
        var poll: Duration = .seconds(1)
        /// When a deferred mail is tried again, and when it is given up (failed).
        var retry = RetrySchedule.mail
        /// The most automatic answers (confirmations of a new ticket) one address gets in an hour, however
        /// many tickets open for it: what keeps two systems that answer each other from mailing forever.
        var answersPerHour = 5
    }

    private let store: any EventStore
    private let ledger: Ledger
    private let relay: SMTPRelay
    private let configuration: Configuration
    private let clock: HubClock
    private let mayRun: @Sendable () -> Bool
    private let telemetry: HubTelemetry
    private let logger: Logger

    init(
        store: any EventStore, ledger: Ledger, relay: SMTPRelay, configuration: Configuration,
        clock: @escaping HubClock, mayRun: @escaping @Sendable () -> Bool = { true }, telemetry: HubTelemetry,
        logger: Logger
    ) {
        self.store = store
        self.ledger = ledger
        self.relay = relay
        self.configuration = configuration
        self.clock = clock
        self.mayRun = mayRun
        self.telemetry = telemetry
        self.logger = logger
    }

    func run() async throws {
        await LogFollower.repeatedly(every: configuration.poll, while: mayRun, logger: logger, what: "mail out") {
            try await plan()
            try await sendDue()
            let oldest = try await store.mailSummary().oldestPending
            telemetry.mailQueueAge.record(
                oldest.map { Double(max(0, clock().milliseconds - $0.milliseconds)) / 1000 } ?? 0)
        }
    }

    /// Plans the mails of the events after the cursor, a page at a time. A mailer that never ran starts
    /// at the log's end: turning mail on does not mail about the past.
    func plan() async throws {
        var cursor = try await store.mailCursor()
        if cursor < 0 {
            cursor = ledger.snapshot.seq
            try await store.enqueueMail([], through: cursor)
        }
        try await LogFollower(store: store, ledger: ledger).follow(after: cursor) { events, state, through in
            var jobs: [MailJob] = []
            var answered: [String: Int] = [:]
            let now = clock()
            for stored in events {
                let domain = configuration.identity.domain
                for planned in MailPlan.mails(
                    for: stored, in: state, domain: domain, language: configuration.language,
                    portal: configuration.portal)
                    + NoticeMailPlan.mails(
                        for: stored, in: state, domain: domain, language: configuration.language, now: now)
                {
                    var job = try job(planned)
                    if planned.kind == .opened {
                        let hourAgo = job.createdAt.adding(milliseconds: -3_600_000)
                        let before = try await store.mailCount(to: job.recipient, kind: job.kind, since: hourAgo)
                        let count = before + answered[job.recipient, default: 0]
                        answered[job.recipient, default: 0] += 1
                        if count >= configuration.answersPerHour {
                            // Kept in the queue, where operators see it, but never sent.
                            job.state = .failed
                            job.lastError =
                                "not sent: \(configuration.answersPerHour) automatic answers to this address within an hour"
                            telemetry.mailTried("failed")
                        }
                    }
                    jobs.append(job)
                }
            }
            try await store.enqueueMail(jobs, through: through)
        }
    }

    /// Renders a planned mail once: every try sends these bytes.
    private func job(_ planned: PlannedMail) throws -> MailJob {
        let mail = OutgoingMail(
            from: configuration.from, to: [MailAddress(planned.recipient)], subject: planned.subject,
            ticket: planned.ticket, text: planned.text, messageID: planned.id, inReplyTo: planned.references.last,
            references: planned.references,
            autoSubmitted: planned.kind == .opened ? .autoReplied : .autoGenerated, hub: configuration.identity,
            date: planned.date, language: planned.language.rawValue)
        let now = clock()
        return MailJob(
            id: planned.id, seq: planned.seq, ticket: planned.ticket, recipient: planned.recipient,
            kind: planned.kind.rawValue, message: try mail.render(), nextAttempt: now, createdAt: now)
    }

    /// Tries every mail that is due, oldest event first.
    func sendDue() async throws {
        while true {
            let due = try await store.dueMail(at: clock(), limit: 16)
            guard !due.isEmpty else { return }
            for job in due {
                guard mayRun(), !Task.isCancelled else { return }
                try await attempt(job)
            }
        }
    }

    private func attempt(_ job: MailJob) async throws {
        let attempts = job.attempts + 1
        let sent: Result<Void, RelayError>
        do throws(RelayError) {
            try await relay.send(job.message, from: configuration.from.address, to: [job.recipient])
            sent = .success(())
        } catch {
            sent = .failure(error)
        }
        switch sent {
        case .success:
            let now = clock()
            try await store.updateMail(job.id, state: .sent, attempts: attempts, nextAttempt: now, error: nil, at: now)
            telemetry.mailTried("sent")
            logger.info(
                "mail sent", metadata: ["swarm.mail.id": "\(job.id)", "swarm.ticket.id": "\(job.ticket ?? "")"])
        case .failure(let error):
            let now = clock()
            let giveUp = error.kind != .temporary || configuration.retry.givesUp(planned: job.createdAt, now: now)
            let wait = configuration.retry.wait(afterAttempt: attempts)
            try await store.updateMail(
                job.id, state: giveUp ? .failed : .pending, attempts: attempts,
                nextAttempt: now.adding(milliseconds: wait), error: error.message, at: now)
            telemetry.mailTried(giveUp ? "failed" : "deferred")
            // The message's id, never its body (a log is read by more people than a ticket).
            logger.warning(
                giveUp ? "mail given up" : "mail deferred",
                metadata: ["swarm.mail.id": "\(job.id)", "error": "\(error.message)", "attempts": "\(attempts)"])
        }
    }
}
