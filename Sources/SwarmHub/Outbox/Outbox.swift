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
final class Outbox: Sendable {
    private struct Locked {
        var machine: OutboxStateMachine
        /// A replay waiting for room.
        var waiter: CheckedContinuation<Void, Never>?
        /// The connection's closer, waiting for a close to write.
        var closer: CheckedContinuation<OutboxStateMachine.Closing?, Never>?
        /// A close taken before the closer waited for it.
        var pendingClose: OutboxStateMachine.Closing?
        var closerDone = false
    }

    let channel: any NIOCore.Channel
    private let closeGrace: Duration
    private let locked: Mutex<Locked>

    init(channel: any NIOCore.Channel, limits: OutboxStateMachine.Limits, closeGrace: Duration) {
        self.channel = channel
        self.closeGrace = closeGrace
        self.locked = Mutex(Locked(machine: OutboxStateMachine(limits: limits)))
    }

    /// The connection's event loop: fan-out groups its writes per loop.
    var eventLoop: any EventLoop { channel.eventLoop }

    // MARK: Producers

    /// Queues a reply or replayed frame (never held).
    func enqueue(_ frame: ByteBuffer) {
        if offer(CollectionOfOne(frame), live: false) { scheduleWrite() }
    }

    /// Offers frames and returns whether a write must be scheduled; fan-out schedules the writes of
    /// a batch together, one task per event loop.
    func offer(_ frames: some Collection<ByteBuffer>, live: Bool) -> Bool {
        let action = locked.withLock { $0.machine.offer(frames, live: live) }
        switch action {
        case .scheduleWrite: return true
        case .overflowed:
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
    /// has taken it, or hands the close to the closer.
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
            for (index, frame) in frames.enumerated() {
                channel.write(
                    WebSocketFrame(fin: true, opcode: .text, data: frame),
                    promise: index == frames.count - 1 ? promise : nil)
            }
            channel.flush()
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

    private func handOver(_ closing: OutboxStateMachine.Closing?) {
        let closer = locked.withLock { locked -> CheckedContinuation<OutboxStateMachine.Closing?, Never>? in
            guard !locked.closerDone else { return nil }
            guard let closer = locked.closer else {
                if closing != nil { locked.pendingClose = closing } else { locked.closerDone = true }
                return nil
            }
            locked.closer = nil
            locked.closerDone = true
            return closer
        }
        closer?.resume(returning: closing)
    }

    /// The reader ended or the socket failed: nothing more is written, and waiters are released.
    func finish() {
        let waiter = locked.withLock { locked -> CheckedContinuation<Void, Never>? in
            guard locked.machine.finish() else { return nil }
            defer { locked.waiter = nil }
            return locked.waiter
        }
        waiter?.resume()
        handOver(nil)
    }

    /// Waits for the close to write (once everything before it was written), or `nil` when the
    /// connection ended without one. The connection's closer task calls it once.
    func nextClose() async -> OutboxStateMachine.Closing? {
        await withCheckedContinuation { continuation in
            let ready = locked.withLock { locked -> (OutboxStateMachine.Closing?)? in
                if let pending = locked.pendingClose {
                    locked.pendingClose = nil
                    locked.closerDone = true
                    return .some(pending)
                }
                if locked.closerDone { return .some(nil) }
                locked.closer = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
