import CoreMetrics
import Logging
import ServiceLifecycle
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmStore

/// The hub's outgoing webhooks: follows the log, plans the deliveries its events cause for each hook
/// (``WebhookPlan``), keeps them in the store's queue (``WebhookStore``) and posts each, signed, until
/// its receiver answers 2xx — the mailer's way (``Mailer``), with the same ``LogFollower`` and
/// ``RetrySchedule``.
///
/// Driven by the log: the deliveries of an event are stored with the hooks' cursors in one transaction,
/// so an event committed before a crash is planned after the restart, and planned once. A delivery is
/// marked sent once its receiver has answered 2xx; a `kill -9` between that answer and the mark is the
/// one way a receiver gets it twice, with the same `X-Swarm-Delivery` id. A hook's deliveries go out
/// in the order of the log (``WebhookStore/dueWebhooks(at:limit:)``): while its receiver fails, the
/// later ones wait behind the one being retried, so it is asked once per backoff, not once per waiting
/// delivery. On a cluster only the node that holds the timer lease posts (`mayRun`).
final class WebhookSender: Service, Sendable {
    /// What the sender is told besides its hooks.
    struct Configuration: Sendable {
        /// How often the log and the queue are looked at.
        var poll: Duration = .seconds(1)
        /// When a deferred delivery is tried again, and when it is given up (failed).
        var retry = RetrySchedule.webhook
    }

    private let store: any EventStore
    private let ledger: Ledger
    private let hooks: [WebhookConfiguration]
    private let epoch: String
    private let poster: WebhookPoster
    private let configuration: Configuration
    private let clock: HubClock
    private let mayRun: @Sendable () -> Bool
    private let telemetry: HubTelemetry
    private let logger: Logger

    init(
        store: any EventStore, ledger: Ledger, hooks: [WebhookConfiguration], epoch: String,
        poster: WebhookPoster = WebhookPoster(), configuration: Configuration = Configuration(),
        clock: @escaping HubClock, mayRun: @escaping @Sendable () -> Bool = { true }, telemetry: HubTelemetry,
        logger: Logger
    ) {
        self.store = store
        self.ledger = ledger
        self.hooks = hooks
        self.epoch = epoch
        self.poster = poster
        self.configuration = configuration
        self.clock = clock
        self.mayRun = mayRun
        self.telemetry = telemetry
        self.logger = logger
    }

    func run() async throws {
        await LogFollower.repeatedly(every: configuration.poll, while: mayRun, logger: logger, what: "webhooks") {
            try await plan()
            try await sendDue()
            let oldest = try await store.webhookSummary().oldestPending
            telemetry.webhookQueueAge.record(
                oldest.map { Double(max(0, clock().milliseconds - $0.milliseconds)) / 1000 } ?? 0)
        }
    }

    /// Plans the deliveries of the events after the hooks' cursors, a page at a time. A hook that was
    /// never planned for starts at the log's end: adding a hook does not post the past. An event older
    /// than the retry schedule's give-up time is not posted (a hub that ran without its hooks for a week
    /// does not flood the chat with the week's news when they are back).
    func plan() async throws {
        let names = hooks.map(\.name)
        var cursors = try await store.webhookCursors()
        let fresh = names.filter { cursors[$0] == nil }
        if !fresh.isEmpty {
            let end = ledger.snapshot.seq
            try await store.enqueueWebhooks([], through: end, hooks: fresh)
            for name in fresh { cursors[name] = end }
        }
        guard let from = names.compactMap({ cursors[$0] }).min() else { return }
        try await LogFollower(store: store, ledger: ledger).follow(after: from) { events, state, through in
            let now = clock()
            var deliveries: [WebhookDelivery] = []
            for stored in events where !configuration.retry.givesUp(planned: stored.event.at, now: now) {
                // A hook whose cursor is past this event has planned it already.
                let behind = hooks.filter { (cursors[$0.name] ?? through) < stored.seq }
                for planned in try WebhookPlan.deliveries(for: stored, in: state, hooks: behind, epoch: epoch) {
                    deliveries.append(
                        WebhookDelivery(
                            id: planned.id, seq: planned.seq, hook: planned.hook, ticket: planned.ticket,
                            event: planned.event.rawValue, body: planned.body, nextAttempt: now, createdAt: now))
                }
            }
            try await store.enqueueWebhooks(deliveries, through: through, hooks: names)
            for name in names { cursors[name] = max(cursors[name] ?? through, through) }
        }
    }

    /// Tries every delivery that is due, oldest event first; a hook that fails is not tried again in
    /// this pass (its later deliveries wait behind the failed one).
    func sendDue() async throws {
        var held: Set<String> = []
        while true {
            let due = try await store.dueWebhooks(at: clock(), limit: 16).filter { !held.contains($0.hook) }
            guard !due.isEmpty else { return }
            for delivery in due where !held.contains(delivery.hook) {
                guard mayRun(), !Task.isCancelled else { return }
                if try await !attempt(delivery) { held.insert(delivery.hook) }
            }
        }
    }

    /// Posts one delivery and records the outcome; returns `false` when the receiver failed for now.
    private func attempt(_ delivery: WebhookDelivery) async throws -> Bool {
        let attempts = delivery.attempts + 1
        guard let hook = hooks.first(where: { $0.name == delivery.hook }) else {
            // Kept, where operators see it, rather than posted to whatever the name means next.
            let now = clock()
            try await store.updateWebhook(
                delivery.id, state: .failed, attempts: delivery.attempts, nextAttempt: now,
                error: "the hook '\(delivery.hook)' is no longer configured", at: now)
            telemetry.webhookTried("failed")
            return true
        }
        let timestamp = clock().milliseconds / 1000
        let signature = WebhookSignature.sign(delivery.body, timestamp: timestamp, secret: hook.secret)
        let headers = [
            "X-Swarm-Delivery: \(delivery.id)", "X-Swarm-Event: \(delivery.event)", "X-Swarm-Hook: \(hook.name)",
            "X-Swarm-Timestamp: \(timestamp)", "X-Swarm-Signature: \(signature)",
        ]
        let posted: Result<Void, RelayError>
        do throws(RelayError) {
            try await poster.post(delivery.body, to: hook.url.text, headers: headers)
            posted = .success(())
        } catch {
            posted = .failure(error)
        }
        let now = clock()
        // The hook's name and the delivery's id, never the URL (it holds the chat's secret) nor the body.
        let metadata: Logger.Metadata = [
            "swarm.webhook.hook": "\(hook.name)", "swarm.webhook.delivery": "\(delivery.id)",
            "swarm.ticket.id": "\(delivery.ticket ?? "")",
        ]
        switch posted {
        case .success:
            try await store.updateWebhook(
                delivery.id, state: .sent, attempts: attempts, nextAttempt: now, error: nil, at: now)
            telemetry.webhookTried("sent")
            logger.debug("webhook sent", metadata: metadata)
            return true
        case .failure(let error):
            let giveUp =
                error.kind != .temporary || configuration.retry.givesUp(planned: delivery.createdAt, now: now)
            let next = now.adding(milliseconds: configuration.retry.wait(afterAttempt: attempts))
            try await store.updateWebhook(
                delivery.id, state: giveUp ? .failed : .pending, attempts: attempts, nextAttempt: next,
                error: error.message, at: now)
            telemetry.webhookTried(giveUp ? "failed" : "deferred")
            logger.warning(
                giveUp ? "webhook given up" : "webhook deferred",
                metadata: metadata.merging(["error": "\(error.message)", "attempts": "\(attempts)"]) { $1 })
            return giveUp
        }
    }
}
