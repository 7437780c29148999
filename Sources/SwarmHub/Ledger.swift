import Foundation
public import Logging
public import ServiceLifecycle
public import SwarmCore
public import SwarmMetrics
public import SwarmProtocol
public import SwarmStore
import Synchronization

/// The one writer: decides commands against the state, appends their events to the store in one
/// transaction per batch (group commit), applies them, hands them to fan-out, then acks.
///
/// Commands that arrive while a transaction commits wait in `pending` and go into the next one,
/// so durability costs one fsync per batch, not per command. Nothing is visible to anyone (no
/// event frame, no ack) before the transaction holding it has committed.
public final class Ledger: Service, Sendable {
    /// The state as of the last commit, and that commit's last `seq`.
    public struct Snapshot: Sendable {
        public var state: SwarmState
        public var seq: Int64
        /// When the last event happened; the log's time never runs backwards.
        public var lastAt: Timestamp
    }

    /// Receives the outcome of a command, called by the writer in submission order.
    public typealias Completion = @Sendable (Result<Ack, HubError>) -> Void

    private struct Pending {
        var command: Command
        var principal: Principal
        var id: String?
        var completion: Completion
    }

    private struct Queue {
        var pending: [Pending] = []
        var stopped = false
    }

    private let store: EventStore
    private let fanOut: FanOut
    private let clock: HubClock
    private let configuration: HubConfiguration
    private let logger: Logger
    private let queue = Mutex(Queue())
    private let current: Mutex<Snapshot>
    /// The metrics fold over every committed event (docs/metrics.md).
    private let metrics: Mutex<MetricsCollector>
    private let recentAcks: Mutex<AckCache>
    private let lastPrune = Mutex(Timestamp(milliseconds: 0))
    private let doorbell: AsyncStream<Void>.Continuation
    private let doorbellStream: AsyncStream<Void>

    /// Rebuilds the state by replaying the whole log (invariant 4) and loads recent command ids.
    public init(
        store: EventStore, fanOut: FanOut, configuration: HubConfiguration, clock: @escaping HubClock = systemClock,
        logger: Logger
    ) throws {
        self.store = store
        self.fanOut = fanOut
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        var state = SwarmState()
        var seq: Int64 = 0
        var lastAt = Timestamp(milliseconds: 0)
        var collector = MetricsCollector()
        try store.forEachEvent { stored in
            state.apply(stored.event)
            collector.add(stored.event, seq: stored.seq)
            seq = stored.seq
            lastAt = stored.event.at
        }
        current = Mutex(Snapshot(state: state, seq: seq, lastAt: lastAt))
        metrics = Mutex(collector)
        fanOut.start(at: seq)
        let window = configuration.idempotencyWindow.components.seconds * 1000
        var cache = AckCache()
        for record in try store.commands(since: clock().adding(milliseconds: -window)) {
            cache.insert(agent: record.agent, id: record.id, ack: record.ack, at: record.at)
        }
        recentAcks = Mutex(cache)
        (doorbellStream, doorbell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        logger.info("log replayed", metadata: ["swarm.seq": "\(seq)", "swarm.tickets": "\(state.tickets.count)"])
    }

    /// The state and `seq` of the last commit.
    public var snapshot: Snapshot { current.withLock { $0 } }

    /// The metrics of every committed event, as of the last commit. A copy: reports are computed
    /// outside the writer's lock.
    public var metricsCollector: MetricsCollector { metrics.withLock { $0 } }

    /// Submits a command and waits until it is durable (its ack) or refused (its error).
    ///
    /// A command whose `id` this agent used before, within the idempotency window, is not decided
    /// again: it gets the first ack.
    public func submit(_ command: Command, by principal: Principal, id: String?) async -> Result<Ack, HubError> {
        await withCheckedContinuation { continuation in
            submit(command, by: principal, id: id) { continuation.resume(returning: $0) }
        }
    }

    /// Queues a command without waiting; `completion` is called once it is durable or refused.
    ///
    /// Completions run on the writer, after the events are published, in the order commands were
    /// submitted: a connection that pipelines commands gets its acks in order, after the events
    /// they caused, and its commands share group commits.
    public func submit(_ command: Command, by principal: Principal, id: String?, completion: @escaping Completion) {
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.pending.append(Pending(command: command, principal: principal, id: id, completion: completion))
            return true
        }
        if accepted {
            doorbell.yield()
        } else {
            completion(.failure(.shuttingDown))
        }
    }

    /// Runs the writer until graceful shutdown; commands already queued are still committed.
    public func run() async throws {
        for await _ in doorbellStream.cancelOnGracefulShutdown() {
            await drain()
        }
        queue.withLock { $0.stopped = true }
        await drain()
    }

    private func drain() async {
        while true {
            let batch = queue.withLock { queue -> [Pending] in
                let count = min(queue.pending.count, configuration.maxBatch)
                defer { queue.pending.removeFirst(count) }
                return Array(queue.pending.prefix(count))
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) async {
        var snapshot = current.withLock { $0 }
        // Time never runs backwards in the log, even if the wall clock does.
        let now = max(clock(), snapshot.lastAt)
        snapshot.lastAt = now
        var append = AppendBatch()
        var outcomes: [Result<Ack, HubError>] = []
        var touched: [String] = []
        var touchedArticles: [String] = []
        var opened: [Ticket] = []
        var newAcks: [(agent: String, id: String, ack: String)] = []
        let encoder = SwarmJSON.encoder()

        for pending in batch {
            if let id = pending.id, let ack = cachedAck(agent: pending.principal.id, id: id, pendingAcks: newAcks) {
                outcomes.append(.success(ack))
                continue
            }
            do {
                let events = try snapshot.state.decide(
                    pending.command, by: pending.principal, at: now, settings: configuration.swarm)
                // Encode first: it is the only step that can fail, so a command is applied whole
                // or not at all, without copying the state (a copy would cost every ticket).
                let jsons = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                for (event, json) in zip(events, jsons) {
                    snapshot.seq += 1
                    let context = snapshot.state.routingContext(for: event)
                    snapshot.state.apply(event)
                    let channels = snapshot.state.channels(for: event, context: context).map(\.description)
                    append.events.append(StoredEvent(seq: snapshot.seq, channels: channels, event: event, json: json))
                }
                for event in events {
                    if let ticket = event.ticket, !touched.contains(ticket) { touched.append(ticket) }
                    switch event.payload {
                    case .kbCreated(let article): touchedArticles.append(article.id)
                    case .kbPublished(let id): touchedArticles.append(id)
                    case .ticketOpened(let ticket): opened.append(ticket)
                    default: break
                    }
                }
                var ack = Ack(id: pending.id ?? "", seq: events.isEmpty ? nil : snapshot.seq)
                ack.describe(pending.command, by: pending.principal, events: events, in: snapshot.state)
                if case .kbCreated(let article)? = events.first?.payload { ack.article = article.id }
                if let id = pending.id {
                    let ackJSON = try SwarmJSON.string(ack)
                    append.commands.append(CommandRecord(agent: pending.principal.id, id: id, ack: ackJSON, at: now))
                    newAcks.append((pending.principal.id, id, ackJSON))
                }
                outcomes.append(.success(ack))
            } catch let error as DomainError {
                outcomes.append(.failure(HubError(error)))
            } catch {
                outcomes.append(.failure(HubError(.internal, "could not encode the event: \(error)")))
            }
        }
        append.tickets = touched.compactMap { snapshot.state.tickets[$0] }
        append.articles = touchedArticles.compactMap { snapshot.state.articles[$0] }

        do {
            if !append.events.isEmpty || !append.commands.isEmpty {
                try await store.append(append)
            }
        } catch {
            logger.error(
                "commit failed; the batch had no effect",
                metadata: ["error": "\(error)", "swarm.batch": "\(batch.count)"])
            for pending in batch {
                pending.completion(
                    .failure(HubError(.internal, "the event log could not be written; the command had no effect")))
            }
            return
        }

        // Durable now: make it visible.
        current.withLock { $0 = snapshot }
        metrics.withLock { collector in
            for stored in append.events { collector.add(stored.event, seq: stored.seq) }
        }
        recentAcks.withLock { cache in
            for entry in newAcks { cache.insert(agent: entry.agent, id: entry.id, ack: entry.ack, at: now) }
            cache.expire(before: now.adding(milliseconds: -configuration.idempotencyWindow.components.seconds * 1000))
        }
        fanOut.publish(append.events)
        for (pending, outcome) in zip(batch, outcomes) {
            pending.completion(outcome)
        }
        suggestArticles(for: opened)
        await pruneCommandIDs(now: now)
    }

    /// Searches the knowledge base for each ticket that just opened and queues the hub's own
    /// `suggestArticles` command, whose `kb.suggested` event records the matches (so a replay never
    /// searches). Runs after the commit, so the search cannot delay the ticket's ack.
    private func suggestArticles(for tickets: [Ticket]) {
        guard configuration.kbSuggestions > 0 else { return }
        for ticket in tickets {
            do {
                let matches = try store.searchArticles(
                    ticket.title + " " + ticket.description, limit: configuration.kbSuggestions)
                guard !matches.isEmpty else { continue }
                submit(.suggestArticles(ticket: ticket.id, matches: matches), by: .system, id: nil) { _ in }
            } catch {
                logger.warning(
                    "knowledge-base search failed", metadata: ["error": "\(error)", "swarm.ticket": "\(ticket.id)"])
            }
        }
    }

    /// Forgets stored command ids older than the idempotency window, at most once an hour.
    private func pruneCommandIDs(now: Timestamp) async {
        let due = lastPrune.withLock { last -> Bool in
            guard now.milliseconds - last.milliseconds >= 3_600_000 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let cutoff = now.adding(milliseconds: -configuration.idempotencyWindow.components.seconds * 1000)
        do {
            let removed = try await store.pruneCommands(before: cutoff)
            logger.debug("pruned command ids", metadata: ["swarm.pruned": "\(removed)"])
        } catch {
            logger.warning("could not prune command ids", metadata: ["error": "\(error)"])
        }
    }

    private func cachedAck(agent: String, id: String, pendingAcks: [(agent: String, id: String, ack: String)]) -> Ack? {
        let json =
            pendingAcks.last(where: { $0.agent == agent && $0.id == id })?.ack
            ?? recentAcks.withLock { $0.ack(agent: agent, id: id) }
        guard let json else { return nil }
        return try? JSONDecoder().decode(Ack.self, from: Data(json.utf8))
    }
}
