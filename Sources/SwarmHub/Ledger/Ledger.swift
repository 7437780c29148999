import CoreMetrics
import Foundation
public import Logging
import NIOCore
public import ServiceLifecycle
public import SwarmConfiguration
public import SwarmCore
public import SwarmMetrics
public import SwarmProtocol
public import SwarmStore
import Synchronization

/// The one writer: a loop that takes the commands that waited, has ``BatchStep`` decide them, appends
/// the batch to the store in one transaction (group commit), swaps in the committed snapshot, and
/// hands the batch to fan-out and to the services fed by commits.
///
/// Commands that arrive while a transaction commits wait and go into the next one, so durability
/// costs one fsync per batch, not per command. Nothing is visible to anyone (no event frame, no ack)
/// before the transaction holding it has committed.
public final class Ledger: Service, Sendable {
    /// The state as of the last commit, and that commit's last `seq`.
    public struct Snapshot: Sendable {
        public var state: SwarmState
        public var seq: Int64
        /// When the last event happened; the log's time never runs backwards.
        public var lastAt: Timestamp
        /// The earliest deadline of any ticket: when the timer must next fire.
        public var nextDeadline: Timestamp?
    }

    /// Receives the outcome of a command, called by the writer in submission order.
    public typealias Completion = @Sendable (Result<Ack, HubError>) -> Void

    /// Where the outcome of a command goes.
    enum Reply: Sendable {
        /// Into a connection's outbox, with the batch's events: the encoded ack or error frame.
        case outbox(Outbox)
        /// To a callback (REST, the hub's own commands).
        case completion(Completion)
    }

    private struct Pending: Sendable {
        var input: BatchStep.Input
        var reply: Reply
    }

    private struct Queue {
        var pending: [Pending] = []
        var stopped = false
        /// Another node announced a `seq` past this node's: catch up even if no command waits.
        var catchUpWanted = false
    }

    /// What only the writer's loop touches (behind a lock nobody else takes).
    private struct WriterState {
        var acks: AckCache
        var deadlines: DeadlineIndex
    }

    private let store: any EventStore
    /// Whether other nodes append to the same log (a ``SharedEventStore``): then every decision is
    /// preceded by a catch-up, and a batch the log moved under is decided again.
    private let shared: Bool
    private let fanOut: FanOut
    private let clock: HubClock
    private let configuration: HubConfiguration
    private let logger: Logger
    private let telemetry: HubTelemetry
    private let queue = Mutex(Queue())
    private let current: Mutex<Snapshot>
    private let writer: Mutex<WriterState>
    /// The metrics fold over every committed event (docs/metrics.md).
    private let metrics: Mutex<MetricsCollector>
    private let observers = Mutex<[@Sendable ([StoredEvent], Snapshot) -> Void]>([])
    private let doorbell: AsyncStream<Void>.Continuation
    private let doorbellStream: AsyncStream<Void>

    /// Rebuilds the state by replaying the whole log (invariant 4) and loads recent command ids.
    public init(
        store: any EventStore, fanOut: FanOut, configuration: HubConfiguration,
        clock: @escaping HubClock = systemClock, logger: Logger, telemetry: HubTelemetry = HubTelemetry()
    ) async throws {
        self.store = store
        self.telemetry = telemetry
        self.shared = store is any SharedEventStore
        self.fanOut = fanOut
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        var state = SwarmState()
        var lastAt = Timestamp(milliseconds: 0)
        var collector = MetricsCollector()
        let replayStarted = ContinuousClock.now
        // Stops at a gap in seq (LogGapError): a damaged log is not served.
        let seq = try await store.replayLog { stored in
            state.apply(stored.event)
            collector.add(stored.event, seq: stored.seq)
            lastAt = stored.event.at
        }
        telemetry.logReplay.record((ContinuousClock.now - replayStarted).inSeconds)
        let deadlines = DeadlineIndex(state, settings: configuration.swarm)
        current = Mutex(Snapshot(state: state, seq: seq, lastAt: lastAt, nextDeadline: deadlines.next))
        metrics = Mutex(collector)
        fanOut.start(at: seq)
        var cache = AckCache()
        for record in try await store.commands(since: clock().adding(milliseconds: -configuration.idempotencyMillis)) {
            guard let ack = try? JSONDecoder().decode(Ack.self, from: Data(record.ack.utf8)) else { continue }
            cache.insert(agent: record.agent, id: record.id, ack: ack, at: record.at)
        }
        writer = Mutex(WriterState(acks: cache, deadlines: deadlines))
        (doorbellStream, doorbell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        logger.info("log replayed", metadata: ["swarm.seq": "\(seq)", "swarm.tickets": "\(state.tickets.count)"])
    }

    /// The state and `seq` of the last commit.
    public var snapshot: Snapshot { current.withLock { $0 } }

    /// Waits until this node has applied the log up to `seq` (a node of a cluster follows what the
    /// others commit a moment later), at most `timeout`; returns whether it has.
    func waitUntilApplied(_ seq: Int64, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while snapshot.seq < seq {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// The metrics of every committed event, as of the last commit. A copy: reports are computed
    /// outside the writer's lock.
    public var metricsCollector: MetricsCollector { metrics.withLock { $0 } }

    /// Calls `observer` after every commit with the batch's events and the new snapshot, on the
    /// writer: it must hand work off, not do it (the knowledge-base suggestions, the timer).
    func observeCommits(_ observer: @escaping @Sendable ([StoredEvent], Snapshot) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Submits a command and waits until it is durable (its ack) or refused (its error).
    ///
    /// A command whose `id` this agent used before, within the idempotency window, is not decided
    /// again: it gets the first ack.
    public func submit(_ command: Command, by principal: Principal, id: String?) async -> Result<Ack, HubError> {
        await withCheckedContinuation { continuation in
            submit(command, by: principal, id: id) { continuation.resume(returning: $0) }
        }
    }

    /// The first ack of the command `id` by `principal`, when one committed within the idempotency window — on
    /// this node or another, so it is read from the store. For a request that would do costly work before
    /// its command is submitted (an upload reads and stores a whole file): its retry is answered first.
    func committedAck(of id: String, by principal: Principal) async -> Ack? {
        guard let record = try? await store.command(agent: principal.id, id: id),
            record.at >= clock().adding(milliseconds: -configuration.idempotencyMillis)
        else { return nil }
        return try? JSONDecoder().decode(Ack.self, from: Data(record.ack.utf8))
    }

    /// Queues a command without waiting; `completion` is called once it is durable or refused.
    ///
    /// Completions run on the writer, after the events are published, in the order commands were
    /// submitted.
    public func submit(_ command: Command, by principal: Principal, id: String?, completion: @escaping Completion) {
        enqueue(Pending(input: .init(command: command, principal: principal, id: id), reply: .completion(completion)))
    }

    /// Queues a command whose ack (or error) frame goes into `outbox` with the batch's events, so a
    /// connection that pipelines commands gets its acks in order, after the events they caused, and
    /// is woken once per batch for both.
    func submit(_ command: Command, by principal: Principal, id: String, replyingTo outbox: Outbox) {
        enqueue(Pending(input: .init(command: command, principal: principal, id: id), reply: .outbox(outbox)))
    }

    /// Tells the writer that the shared log reached `seq` (another node committed): it reads the
    /// events it has not applied, applies them and publishes them to this node's subscribers, in
    /// `seq` order, between its own batches.
    public func logAdvanced(to seq: Int64) {
        guard shared, seq > current.withLock({ $0.seq }) else { return }
        queue.withLock { $0.catchUpWanted = true }
        doorbell.yield()
    }

    private func enqueue(_ pending: Pending) {
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.pending.append(pending)
            return true
        }
        if accepted {
            doorbell.yield()
        } else {
            Self.deliver([(pending, .refused(.shuttingDown))], fanOut: fanOut, telemetry: telemetry)
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
            let (batch, catchUpWanted) = queue.withLock { queue -> ([Pending], Bool) in
                // Taken before reading, so an announcement that arrives during the read asks again.
                let wanted = queue.catchUpWanted
                queue.catchUpWanted = false
                guard queue.pending.count > configuration.maxBatch else {
                    defer { queue.pending = [] }
                    return (queue.pending, wanted)
                }
                defer { queue.pending.removeFirst(configuration.maxBatch) }
                return (Array(queue.pending.prefix(configuration.maxBatch)), wanted)
            }
            if batch.isEmpty {
                guard catchUpWanted else { return }
                do {
                    try await catchUp()
                } catch {
                    logger.warning("could not catch up on the shared log", metadata: ["error": "\(error)"])
                }
                continue
            }
            await commit(batch)
        }
    }

    /// How often a batch is decided again because other nodes appended first, before it is refused.
    static let maxAttempts = 64

    private func commit(_ batch: [Pending]) async {
        var attempt = 0
        var committed: Snapshot
        var now: Timestamp
        var step: BatchStep.Output
        while true {
            attempt += 1
            do {
                // On a shared log, decide on the whole log: apply what other nodes committed first.
                if shared { try await catchUp() }
                committed = current.withLock { $0 }
                // Time never runs backwards in the log, even if the wall clock does.
                now = max(clock(), committed.lastAt)
                step = writer.withLock { [committed, now] writer in
                    BatchStep.run(
                        batch.map(\.input), state: committed.state, seq: committed.seq, now: now,
                        settings: configuration.swarm, acks: writer.acks)
                }
                if !step.append.events.isEmpty || !step.append.commands.isEmpty {
                    let started = ContinuousClock.now
                    try await store.append(step.append)
                    telemetry.commitLatency.recordNanoseconds((ContinuousClock.now - started).inNanoseconds)
                }
                break
            } catch let error as StoreError
                where shared && attempt < Self.maxAttempts
                && (error.code == .sequenceMismatch || error.code == .duplicateCommand)
            {
                // The optimistic retry: another node appended (or committed one of these command
                // ids) after this node caught up. Nothing was written; catch up and decide again.
                if error.code == .duplicateCommand { await loadCommittedAcks(of: batch) }
                continue
            } catch {
                logger.error(
                    "commit failed; the batch had no effect",
                    metadata: ["error": "\(error)", "swarm.batch": "\(batch.count)"])
                let refused = HubError(
                    .internal, "the event log could not be written; the command had no effect (\(Self.reason(error)))")
                Self.deliver(batch.map { ($0, .refused(refused)) }, fanOut: fanOut, telemetry: telemetry)
                return
            }
        }

        // Durable now: make it visible.
        let nextDeadline = writer.withLock { writer -> Timestamp? in
            for entry in step.newAcks { writer.acks.insert(agent: entry.agent, id: entry.id, ack: entry.ack, at: now) }
            writer.acks.expire(before: now.adding(milliseconds: -configuration.idempotencyMillis))
            writer.deadlines.update(step.touchedTickets, in: step.state, settings: configuration.swarm)
            return writer.deadlines.next
        }
        let snapshot = Snapshot(state: step.state, seq: step.seq, lastAt: now, nextDeadline: nextDeadline)
        current.withLock { $0 = snapshot }
        if !step.append.events.isEmpty {
            metrics.withLock { collector in
                for stored in step.append.events { collector.add(stored.event, seq: stored.seq) }
            }
        }
        telemetry.batchSize.record(batch.count)
        telemetry.committed(step.append.events)
        Self.deliver(
            Array(zip(batch, step.outcomes)), events: step.append.events, state: step.state,
            fanOut: fanOut, telemetry: telemetry)
        for observer in observers.withLock({ $0 }) { observer(step.append.events, snapshot) }
    }

    /// Applies and publishes what other nodes appended to the shared log after this node's `seq`, a
    /// page at a time: the state, the metrics fold and the deadlines move as if this node had
    /// committed those events itself, and this node's subscribers get them in `seq` order. Services
    /// fed by commits (knowledge-base suggestions) are not called: the committing node runs them.
    private func catchUp() async throws {
        while true {
            let committed = current.withLock { $0 }
            let page = try await store.events(after: committed.seq, limit: 1024)
            guard let last = page.last else { return }
            var state = committed.state
            var touched: [String] = []
            for stored in page {
                state.apply(stored.event)
                if let ticket = stored.event.ticket, !touched.contains(ticket) { touched.append(ticket) }
            }
            let nextDeadline = writer.withLock { writer -> Timestamp? in
                writer.deadlines.update(touched, in: state, settings: configuration.swarm)
                return writer.deadlines.next
            }
            let snapshot = Snapshot(
                state: state, seq: last.seq, lastAt: max(committed.lastAt, last.event.at), nextDeadline: nextDeadline)
            current.withLock { $0 = snapshot }
            metrics.withLock { collector in
                for stored in page { collector.add(stored.event, seq: stored.seq) }
            }
            fanOut.publish(page, state: state)
            if page.count < 1024 { return }
        }
    }

    /// Puts the stored acks of the batch's command ids into the cache, so deciding again gives a
    /// command another node already committed its first ack.
    private func loadCommittedAcks(of batch: [Pending]) async {
        for pending in batch {
            guard let id = pending.input.id,
                let record = try? await store.command(agent: pending.input.principal.id, id: id),
                let ack = try? JSONDecoder().decode(Ack.self, from: Data(record.ack.utf8))
            else { continue }
            writer.withLock { $0.acks.insert(agent: record.agent, id: record.id, ack: ack, at: record.at) }
        }
    }

    /// A store error's message, for the refusal a client sees.
    private static func reason(_ error: any Error) -> String {
        (error as? StoreError)?.message ?? "\(error)"
    }

    /// Publishes a batch's events with the replies that go to connections, then calls the completions.
    /// Counts each command by type and outcome, and each error frame by code.
    private static func deliver(
        _ outcomes: [(Pending, BatchStep.Outcome)], events: [StoredEvent] = [], state: SwarmState? = nil,
        fanOut: FanOut, telemetry: HubTelemetry
    ) {
        var replies: [(outbox: Outbox, frame: WireFrame)] = []
        var completions: [(Completion, Result<Ack, HubError>)] = []
        for (pending, outcome) in outcomes {
            let refusal: HubError? = if case .refused(let error) = outcome { error } else { nil }
            telemetry.command(pending.input.command, outcome: refusal?.code.rawValue ?? "ok")
            switch pending.reply {
            case .outbox(let outbox):
                if let refusal { telemetry.error(refusal.code) }
                replies.append((outbox, frame(of: outcome, id: pending.input.id)))
            case .completion(let completion): completions.append((completion, outcome.result))
            }
        }
        if !events.isEmpty || !replies.isEmpty { fanOut.publish(events, state: state, replies: replies) }
        for (completion, result) in completions { completion(result) }
    }

    private static func frame(of outcome: BatchStep.Outcome, id: String?) -> WireFrame {
        switch outcome {
        case .acked(_, let frame): return frame
        case .refused(let error):
            let frame = ErrorFrame(id: id, code: error.code, message: error.message)
            return WireFrame(json: (try? SwarmJSON.shared.encode(frame)) ?? Data())
        }
    }
}

extension HubConfiguration {
    /// The idempotency window in milliseconds.
    var idempotencyMillis: Int64 { idempotencyWindow.components.seconds * 1000 }
}
