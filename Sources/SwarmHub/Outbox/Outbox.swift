import CoreMetrics
import NIOCore
import NIOWebSocket
import SwarmProtocol
import Synchronization

/// One connection's outbound queue and its writer, driven by ``OutboxStateMachine``.
///
/// Producers (fan-out, the ledger's acks, the session's replies) offer frames without waiting. The
/// writer is not a task: it runs on the connection's event loop when frames are queued, writes
/// everything queued back to back with one flush, and runs again when the socket has taken it, so
/// an idle connection costs no wake-ups and a busy one one write per batch. A connection that falls
/// behind is closed with 4008 and never slows the others.
///
/// The frames come framed (``WireFrame``): the writer hands their bytes to the handler below the
/// WebSocket library's frame encoder, so the encoder and the handlers above it are not walked once
/// per frame, and one shared buffer per event goes to every subscriber's socket as it is. The
/// library's own frames (pongs, the close) still go through the encoder, in the order written.
///
/// The close frame is written by a task started only when a close is decided and everything queued
/// before it was written: an open connection keeps no task waiting for a close that may never come
/// (each task holds its own stack slabs for its whole life; docs/performance.md). Where the close has
/// come is the state machine's (``OutboxStateMachine/State``); the outbox only keeps the two waiting
/// continuations it tells it to resume.
final class Outbox: Sendable {
    /// Writes the close frame through the WebSocket library, which then waits for the peer's reply.
    typealias CloseWriter = @Sendable (OutboxStateMachine.Closing) async -> Void

    private struct Locked {
        var machine: OutboxStateMachine
        /// A replay waiting for room.
        var waiter: CheckedContinuation<Void, Never>?
        /// The reader, waiting for the close to be written before the connection's handler returns.
        var closeWaiter: CheckedContinuation<Void, Never>?
    }

    let channel: any NIOCore.Channel
    /// Where the writer hands frames to the pipeline: the context of the WebSocket frame encoder,
    /// whose `write` passes to the handler below it; looked up at the first write, on the event loop.
    private let encoder: NIOLoopBoundBox<EncoderLookup>

    private enum EncoderLookup {
        case notYet
        case found(ChannelHandlerContext)
        /// The channel has no WebSocket encoder (a test's channel).
        case absent
    }
    private let closeGrace: Duration
    private let writeClose: CloseWriter?
    private let locked: Mutex<Locked>
    /// Frames written, counted once per write (one atomic add), and slow-consumer closes.
    private let framesOut: CoreMetrics.Counter?
    private let slowConsumerCloses: CoreMetrics.Counter?

    init(
        channel: any NIOCore.Channel, limits: OutboxStateMachine.Limits, closeGrace: Duration,
        telemetry: HubTelemetry? = nil, writeClose: CloseWriter? = nil
    ) {
        self.channel = channel
        self.encoder = .makeBoxSendingValue(.notYet, eventLoop: channel.eventLoop)
        self.closeGrace = closeGrace
        self.writeClose = writeClose
        self.framesOut = telemetry?.framesOut
        self.slowConsumerCloses = telemetry?.slowConsumerCloses
        self.locked = Mutex(Locked(machine: OutboxStateMachine(limits: limits)))
    }

    /// The connection's event loop: fan-out groups its writes per loop.
    var eventLoop: any EventLoop { channel.eventLoop }

    // MARK: Producers

    /// Queues a reply or replayed frame (never held).
    func enqueue(_ frame: WireFrame) {
        if offer(CollectionOfOne(frame), live: false) { scheduleWrite() }
    }

    /// Offers frames and returns whether a write must be scheduled; fan-out schedules the writes of
    /// a batch together, one task per event loop.
    func offer(_ frames: some Collection<WireFrame>, live: Bool) -> Bool {
        let action = locked.withLock { $0.machine.offer(frames, live: live) }
        switch action {
        case .scheduleWrite: return true
        case .overflowed:
            // Counted where the close is decided: a peer that reads nothing never takes the close frame.
            slowConsumerCloses?.increment()
            startCloseGrace()
            return true
        case .none, .dropped: return false
        }
    }

    /// Starts holding live events (a replay begins).
    func beginHold() {
        locked.withLock { $0.machine.beginHold() }
    }

    /// Releases held live events after the replayed ones.
    func endHold() {
        if case .scheduleWrite = locked.withLock({ $0.machine.endHold() }) { scheduleWrite() }
    }

    /// Asks for the connection to be closed after the frames already queued.
    func close(code: UInt16, reason: String) {
        let (first, action) = locked.withLock { locked in
            let first = !locked.machine.isClosing
            return (first, locked.machine.close(code: code, reason: reason))
        }
        if first { startCloseGrace() }
        if case .scheduleWrite = action { scheduleWrite() }
    }

    /// A peer that reads nothing cannot take the close frame: the TCP connection is dropped when the
    /// grace runs out, counted from the moment the close was decided.
    private func startCloseGrace() {
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: TimeAmount(closeGrace)) { channel.close(promise: nil) }
    }

    /// Whether the connection is closing or closed.
    var isClosing: Bool { locked.withLock { $0.machine.isClosing } }

    /// Waits until the queue is at most half full, so a long replay is paced by the socket.
    func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let parked = locked.withLock { locked -> Bool in
                guard locked.machine.parkUnlessRoom() else { return false }
                locked.waiter = continuation
                return true
            }
            if !parked { continuation.resume() }
        }
    }

    // MARK: The writer

    /// Runs the writer on the event loop.
    func scheduleWrite() {
        eventLoop.execute { self.write() }
    }

    /// Runs the writers of several outboxes of one event loop in one task.
    static func scheduleWrites(_ outboxes: [Outbox], on loop: any EventLoop) {
        guard !outboxes.isEmpty else { return }
        loop.execute {
            for outbox in outboxes { outbox.write() }
        }
    }

    /// The writer's turn, on the event loop: writes what is queued and comes back when the socket
    /// has taken it, or starts the close writer.
    private func write() {
        let (action, waiter) = locked.withLock { locked in
            let action = locked.machine.nextWrite()
            var waiter: CheckedContinuation<Void, Never>? = nil
            switch action {
            case .write(_, let resume), .close(_, let resume), .none(let resume):
                if resume {
                    waiter = locked.waiter
                    locked.waiter = nil
                }
            }
            return (action, waiter)
        }
        waiter?.resume()
        switch action {
        case .write(let frames, _):
            let promise = eventLoop.makePromise(of: Void.self)
            let last = frames.count - 1
            if let context = encoderContext() {
                for (index, frame) in frames.enumerated() {
                    context.write(NIOAny(frame.bytes), promise: index == last ? promise : nil)
                }
            } else {
                // No WebSocket encoder in the pipeline (a test's channel): the frames are bytes already.
                for (index, frame) in frames.enumerated() {
                    channel.write(frame.bytes, promise: index == last ? promise : nil)
                }
            }
            channel.flush()
            framesOut?.increment(by: frames.count)
            promise.futureResult.whenComplete { result in
                switch result {
                case .success: self.write()
                case .failure: self.finish()
                }
            }
        case .close(let closing, _):
            handOver(closing)
        case .none:
            break
        }
    }

    /// The frame encoder's context, found once. After the channel closed its handlers are gone, and
    /// a write through the context fails, which ends the writer like any failed write.
    private func encoderContext() -> ChannelHandlerContext? {
        switch encoder.value {
        case .found(let context): return context
        case .absent: return nil
        case .notYet:
            let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            encoder.value = context.map(EncoderLookup.found) ?? .absent
            return context
        }
    }

    /// Everything before the close was written: the close writer runs (without one, in a test, the
    /// close counts as written).
    private func handOver(_ closing: OutboxStateMachine.Closing) {
        guard let writeClose else { return closeWritten() }
        Task {
            await writeClose(closing)
            self.closeWritten()
        }
    }

    private func closeWritten() {
        let waiter = locked.withLock { locked -> CheckedContinuation<Void, Never>? in
            guard locked.machine.closeWritten() else { return nil }
            defer { locked.closeWaiter = nil }
            return locked.closeWaiter
        }
        waiter?.resume()
    }

    /// The reader ended or the socket failed: nothing more is written, and waiters are released.
    func finish() {
        let waiters = locked.withLock { locked -> [CheckedContinuation<Void, Never>] in
            let (replay, close) = locked.machine.finish()
            var waiters: [CheckedContinuation<Void, Never>] = []
            if replay, let waiter = locked.waiter { waiters.append(waiter) }
            if replay { locked.waiter = nil }
            if close, let waiter = locked.closeWaiter { waiters.append(waiter) }
            if close { locked.closeWaiter = nil }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the close frame was written, or the connection ended without one. The reader
    /// calls it once before the connection's handler returns, so the WebSocket library does not close
    /// with a code of its own first.
    func closeFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let parked = locked.withLock { locked -> Bool in
                guard locked.machine.awaitClose() else { return false }
                locked.closeWaiter = continuation
                return true
            }
            if !parked { continuation.resume() }
        }
    }
}
