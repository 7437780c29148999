import NIOCore
import SwarmProtocol
import Synchronization

/// The bounded queue of frames waiting to be written to one connection.
///
/// Producers (fan-out, the session) enqueue without waiting; one writer task drains it. When a
/// connection falls behind by more than `capacity` frames it is marked overflowed and closed with
/// 4008, so a slow subscriber never slows the others: fan-out never waits for a socket.
///
/// While a `subscribe` replays history, live events are *held* and released after the replay, so
/// the client sees replay then live events in `seq` order with no gap and no duplicate.
final class Outbox: Sendable {
    /// What the writer should do next.
    enum Next {
        case frames([ByteBuffer])
        case close(code: UInt16, reason: String)
        case finished
    }

    private struct State {
        var queue: [ByteBuffer] = []
        var held: [ByteBuffer]? = nil
        var closing: (code: UInt16, reason: String)? = nil
        var finished = false
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        var count: Int { queue.count + (held?.count ?? 0) }
    }

    let capacity: Int
    private let state = Mutex(State())
    private let doorbell: AsyncStream<Void>.Continuation
    private let doorbellStream: AsyncStream<Void>

    init(capacity: Int) {
        self.capacity = capacity
        (doorbellStream, doorbell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a reply or replayed frame (never held). Returns `false` if the connection overflowed.
    @discardableResult
    func enqueue(_ frame: ByteBuffer) -> Bool { push(frame, live: false) }

    /// Queues a live event frame (held during a replay). Returns `false` if the connection overflowed.
    @discardableResult
    func enqueueLive(_ frame: ByteBuffer) -> Bool { push(frame, live: true) }

    private func push(_ frame: ByteBuffer, live: Bool) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard state.closing == nil, !state.finished else { return false }
            guard state.count < capacity else {
                // The client must resume by `since` anyway: drop what it has not been sent, so the
                // close frame goes out as soon as the socket takes anything.
                state.closing = (CloseCode.slowConsumer, "slow consumer: reconnect and resubscribe with since")
                state.queue = []
                state.held = nil
                return false
            }
            if live, state.held != nil {
                state.held!.append(frame)
            } else {
                state.queue.append(frame)
            }
            return true
        }
        doorbell.yield()
        return accepted
    }

    /// Starts holding live events (at the start of a replay).
    func beginHold() {
        state.withLock { if $0.held == nil { $0.held = [] } }
    }

    /// Releases held live events after the replayed ones.
    func endHold() {
        state.withLock { state in
            if let held = state.held { state.queue.append(contentsOf: held) }
            state.held = nil
        }
        doorbell.yield()
    }

    /// Waits until the queue is at most half full, so a long replay is paced by the client's reading
    /// instead of overflowing the queue.
    func waitForRoom() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.queue.count <= capacity / 2 || state.closing != nil || state.finished { return true }
                state.roomWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Asks the writer to close the connection after the frames already queued.
    func close(code: UInt16, reason: String) {
        state.withLock { if $0.closing == nil { $0.closing = (code, reason) } }
        doorbell.yield()
    }

    /// Ends the writer after the frames already queued (the reader is done).
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.roomWaiters = [] }
            return state.roomWaiters
        }
        for waiter in waiters { waiter.resume() }
        doorbell.yield()
        doorbell.finish()
    }

    /// Whether the writer has been asked to close or finish.
    var isClosing: Bool { state.withLock { $0.closing != nil || $0.finished } }

    /// The writer's loop: calls `write` with frames as they come, until the outbox closes or finishes.
    func drain(_ write: ([ByteBuffer]) async throws -> Void, close: (UInt16, String) async throws -> Void) async throws
    {
        var bell = doorbellStream.makeAsyncIterator()
        while true {
            let (next, waiters) = state.withLock { state -> (Next?, [CheckedContinuation<Void, Never>]) in
                if !state.queue.isEmpty {
                    let frames = state.queue
                    state.queue = []
                    let waiters = state.roomWaiters
                    state.roomWaiters = []
                    return (.frames(frames), waiters)
                }
                if let closing = state.closing {
                    let waiters = state.roomWaiters
                    state.roomWaiters = []
                    return (.close(code: closing.code, reason: closing.reason), waiters)
                }
                if state.finished { return (.finished, []) }
                return (nil, [])
            }
            for waiter in waiters { waiter.resume() }
            switch next {
            case .frames(let frames): try await write(frames)
            case .close(let code, let reason):
                try await close(code, reason)
                return
            case .finished: return
            case nil:
                guard await bell.next() != nil else {
                    // The doorbell finished: one last look for frames queued before `finish`.
                    let frames = state.withLock { state in
                        defer { state.queue = [] }
                        return state.queue
                    }
                    if !frames.isEmpty { try await write(frames) }
                    return
                }
            }
        }
    }
}
