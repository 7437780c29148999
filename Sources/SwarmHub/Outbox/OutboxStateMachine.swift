import SwarmProtocol

/// The rules of one connection's outbound queue, as a value: every method changes the state and
/// returns what the caller must do (schedule a write, write these frames, close), and the caller
/// does the I/O. No locks, no sockets: unit-tested on its own.
///
/// Its state is one enum whose cases carry their data:
/// - `open(writer)`: the writer is `idle` (nothing queued, no write in flight; the next frame asks for
///   a write to be scheduled), `scheduled` (a write has been asked for on the channel's event loop and
///   has not started; frames that arrive meanwhile join it, so a batch of events wakes the writer
///   once) or `writing` (frames are in the channel; what arrives waits for the write to complete, then
///   goes out in one write and one flush — the socket's backpressure paces the queue);
/// - `closing(closing, writer)`: a close was asked for; what is queued ahead of it still goes out;
/// - `writingClose`: everything before it was written and the close writer (the WebSocket library's
///   close handshake) runs;
/// - `closed`: the close was written, or the connection ended without one. Everything offered from
///   `closing` on is dropped.
///
/// The close handshake's end is part of it too: the reader waits for it before the connection's
/// handler returns (``awaitClose()``, ``closeWritten()``), so no second machine beside this one
/// tracks it.
///
/// Limits count both frames and bytes: a connection that falls behind by more than either is closed
/// with 4008 (slow consumer) and what it was not sent is dropped, so it never holds memory for long
/// and the close frame goes out as soon as the socket takes anything. Frames handed to the channel
/// count until their write completes: a stalled socket keeps them in the channel's buffer, so without
/// that a connection could hold twice its limit (and a client see twice the frames) before the close.
struct OutboxStateMachine {
    /// The bounds of the queue.
    struct Limits {
        /// Frames that may wait.
        var frames: Int
        /// Bytes that may wait.
        var bytes: Int
    }

    /// How far the writer is, while frames still go out.
    enum Writer: Equatable {
        case idle
        case scheduled
        case writing
    }

    enum State: Equatable {
        case open(Writer)
        case closing(Closing, Writer)
        case writingClose
        case closed
    }

    /// The writer as tests and the outbox ask for it: `closed` once nothing more goes out but a close.
    enum Mode: Equatable {
        case idle
        case scheduled
        case writing
        case closed
    }

    /// Why and how the connection is to be closed.
    struct Closing: Equatable {
        var code: UInt16
        var reason: String
    }

    /// What the caller does after offering frames.
    enum OfferAction: Equatable {
        /// Nothing: the frames wait for a write already scheduled or in flight (or are held).
        case none
        /// Schedule a write on the event loop.
        case scheduleWrite
        /// The connection just overflowed: the frames were dropped; schedule a write so the close goes out.
        case overflowed
        /// The connection is closed: the frames were dropped.
        case dropped
    }

    /// What the writer does when it runs (scheduled, or after a write completed).
    enum WriteAction {
        /// Write these frames back to back and flush once; resume the replay waiting for room, if any.
        case write([WireFrame], resumeWaiter: Bool)
        /// Write the close frame, after everything before it was written.
        case close(Closing, resumeWaiter: Bool)
        /// Nothing to do; the writer goes idle.
        case none(resumeWaiter: Bool)
    }

    let limits: Limits
    private(set) var state = State.open(.idle)
    private var queue: [WireFrame] = []
    private var queuedBytes = 0
    /// Live events held while a subscription replays history; `nil` when not replaying.
    private var held: [WireFrame]? = nil
    private var heldBytes = 0
    /// Frames handed to the channel whose write has not completed yet.
    private var inFlightFrames = 0
    private var inFlightBytes = 0
    /// Whether a replay waits for the queue to shrink.
    private var waiterParked = false
    /// Whether the reader waits for the close to be written.
    private var closeWaiterParked = false

    init(limits: Limits) {
        self.limits = limits
    }

    /// Frames waiting, held ones and those being written included.
    var count: Int { queue.count + (held?.count ?? 0) + inFlightFrames }

    /// Bytes waiting, held ones and those being written included.
    var bytes: Int { queuedBytes + heldBytes + inFlightBytes }

    /// Whether the connection is being closed (or is closed): a replay stops, the reader stops reading.
    var isClosing: Bool {
        if case .open = state { return false }
        return true
    }

    /// The writer's progress; `closed` once only the close (or nothing) is left to write.
    var mode: Mode {
        switch state {
        case .open(let writer), .closing(_, let writer):
            switch writer {
            case .idle: .idle
            case .scheduled: .scheduled
            case .writing: .writing
            }
        case .writingClose, .closed: .closed
        }
    }

    /// The close asked for, if any.
    var closing: Closing? {
        if case .closing(let closing, _) = state { return closing }
        return nil
    }

    // MARK: Offering frames

    /// Offers frames for the connection; `live` ones are held while a replay runs.
    mutating func offer(_ frames: some Collection<WireFrame>, live: Bool) -> OfferAction {
        guard case .open(let writer) = state else { return .dropped }
        var size = 0
        for frame in frames { size += frame.count }
        guard count + frames.count <= limits.frames, bytes + size <= limits.bytes else {
            let closing = Closing(
                code: CloseCode.slowConsumer, reason: "slow consumer: reconnect and resubscribe with since")
            queue = []
            queuedBytes = 0
            held = nil
            heldBytes = 0
            state = .closing(closing, writer == .idle ? .scheduled : writer)
            return .overflowed
        }
        if live, held != nil {
            held!.append(contentsOf: frames)
            heldBytes += size
            return .none
        }
        queue.append(contentsOf: frames)
        queuedBytes += size
        return scheduleIfIdle()
    }

    /// Starts holding live events (a replay begins).
    mutating func beginHold() {
        if held == nil { held = [] }
    }

    /// Releases held live events behind the replayed ones.
    mutating func endHold() -> OfferAction {
        guard let frames = held else { return .none }
        held = nil
        heldBytes = 0
        guard case .open = state else { return .dropped }
        queue.append(contentsOf: frames)
        for frame in frames { queuedBytes += frame.count }
        return frames.isEmpty ? .none : scheduleIfIdle()
    }

    /// Asks for the connection to be closed after what is queued.
    mutating func close(code: UInt16, reason: String) -> OfferAction {
        guard case .open(let writer) = state else { return .none }
        state = .closing(Closing(code: code, reason: reason), writer)
        return scheduleIfIdle()
    }

    private mutating func scheduleIfIdle() -> OfferAction {
        switch state {
        case .open(.idle):
            state = .open(.scheduled)
        case .closing(let closing, .idle):
            state = .closing(closing, .scheduled)
        default:
            return .none
        }
        return .scheduleWrite
    }

    // MARK: Writing

    /// Called by the writer when it runs: hands over everything queued, or the close, or goes idle.
    mutating func nextWrite() -> WriteAction {
        // The writer runs when it was scheduled or when the previous write completed: either way
        // nothing is in flight any more.
        inFlightFrames = 0
        inFlightBytes = 0
        switch state {
        case .writingClose, .closed:
            return .none(resumeWaiter: takeWaiter())
        case .open, .closing:
            if !queue.isEmpty {
                let frames = queue
                inFlightFrames = queue.count
                inFlightBytes = queuedBytes
                queue = []
                queuedBytes = 0
                if case .closing(let closing, _) = state {
                    state = .closing(closing, .writing)
                } else {
                    state = .open(.writing)
                }
                // The frames are the socket's now: a parked replay may fetch its next page meanwhile.
                return .write(frames, resumeWaiter: takeWaiter())
            }
            if case .closing(let closing, _) = state {
                state = .writingClose
                return .close(closing, resumeWaiter: takeWaiter())
            }
            state = .open(.idle)
            return .none(resumeWaiter: takeWaiter())
        }
    }

    /// The socket failed or the reader ended: nothing more is written. A close frame being written
    /// still completes (``closeWritten()``). Returns whether to resume the parked replay and the
    /// reader waiting for the close.
    mutating func finish() -> (resumeWaiter: Bool, resumeCloseWaiter: Bool) {
        queue = []
        queuedBytes = 0
        inFlightFrames = 0
        inFlightBytes = 0
        held = nil
        heldBytes = 0
        let waiter = takeWaiter(force: true)
        guard state != .writingClose else { return (waiter, false) }
        state = .closed
        return (waiter, takeCloseWaiter())
    }

    // MARK: The close handshake

    /// The close frame was written (or its writer gave up): the connection is closed. Returns whether
    /// to resume the reader waiting for it.
    mutating func closeWritten() -> Bool {
        state = .closed
        return takeCloseWaiter()
    }

    /// Whether the reader must wait for the close to be written; when `true` it parks, and the event
    /// that ends the close (``closeWritten()`` or ``finish()``) says to resume it.
    mutating func awaitClose() -> Bool {
        guard state != .closed else { return false }
        closeWaiterParked = true
        return true
    }

    private mutating func takeCloseWaiter() -> Bool {
        defer { closeWaiterParked = false }
        return closeWaiterParked
    }

    // MARK: Replay pacing

    /// Whether a replay may queue more now; otherwise it parks until ``nextWrite()`` resumes it.
    /// A replay keeps at most half the limits queued, so live events always have room.
    mutating func parkUnlessRoom() -> Bool {
        if isClosing || hasRoom { return false }
        waiterParked = true
        return true
    }

    /// Room for a replay: what is queued or being written is at most half the limits (held live
    /// events are not counted, as they wait for the replay to end).
    private var hasRoom: Bool {
        queue.count + inFlightFrames <= limits.frames / 2 && queuedBytes + inFlightBytes <= limits.bytes / 2
    }

    private mutating func takeWaiter(force: Bool = false) -> Bool {
        guard waiterParked, force || isClosing || hasRoom else { return false }
        waiterParked = false
        return true
    }
}
