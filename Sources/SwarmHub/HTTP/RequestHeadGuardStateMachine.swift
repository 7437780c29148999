/// The rules of ``RequestHeadGuard`` as a value: what a connection may do before it has sent one complete
/// request head, and, once upgraded to WebSocket, whether its frames are masked. Every event — bytes
/// read, the first bytes of the answer, the head timeout, a graceful stop, the HTTP pipeline giving up —
/// changes the state and returns what the handler must do; the handler does the I/O. No channel, no
/// event loop: unit-tested on its own (as Hummingbird's connection managers and PostgresNIO's
/// connection keep their state machines).
struct RequestHeadGuardStateMachine {
    /// How far the first request head has come.
    struct HeadScan: Equatable {
        var bytes = 0
        /// The request line's method, as far as it has come, and whether it ended.
        var method: [UInt8] = []
        var methodDone = false
        /// The last two bytes seen, to find the blank line that ends the head.
        var tail: (UInt8, UInt8) = (0, 0)

        static func == (left: HeadScan, right: HeadScan) -> Bool {
            left.bytes == right.bytes && left.method == right.method && left.methodDone == right.methodDone
                && left.tail == right.tail
        }
    }

    enum State: Equatable {
        /// No complete head yet: the head timeout runs.
        case readingHead(HeadScan)
        /// The head is complete and the HTTP pipeline has not answered yet. The bytes after the head are
        /// followed as WebSocket frames in case the answer is an upgrade; `unmaskedEarly` when one was
        /// not masked (the watch then stops).
        case awaitingAnswer(FrameMaskWatch?, unmaskedEarly: Bool)
        /// Upgraded to WebSocket: every client frame must be masked.
        case upgraded(FrameMaskWatch)
        /// Answered without an upgrade: bytes pass untouched.
        case passing
        /// Refused, failed or closed: nothing more is read.
        case closed
    }

    /// What the handler does with bytes it read.
    enum ReadAction: Equatable {
        /// Pass them on; `headCompleted` when they completed the head (cancel the head timeout).
        case forward(headCompleted: Bool)
        /// Answer with this bare status and close.
        case refuse(String)
        /// A client frame was not masked on an upgraded connection: fail it with 1002 and close.
        case failUnmasked
        /// Drop them: the connection is closing.
        case drop
    }

    /// What the handler does with the first bytes of the answer.
    enum AnswerAction: Equatable {
        /// Write them.
        case write
        /// Write them (the 101), then fail the connection: a frame before it was not masked.
        case writeThenFailUnmasked
    }

    /// What the handler does when the head timeout fires, or the hub stops gracefully.
    enum CloseAction: Equatable {
        case none
        /// Close without an answer.
        case close
        /// Answer with this bare status and close.
        case refuse(String)
    }

    /// The methods the hub answers; anything else is `501 Not Implemented`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    let maxHead: Int
    private(set) var state = State.readingHead(HeadScan())

    init(maxHead: Int) {
        self.maxHead = maxHead
    }

    // MARK: Events

    /// Bytes the client sent.
    mutating func read<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> ReadAction where Bytes.Index == Int {
        switch state {
        case .closed:
            return .drop
        case .passing:
            return .forward(headCompleted: false)
        case .readingHead(var scan):
            switch Self.scan(bytes, &scan, maxHead: maxHead) {
            case .refuse(let status):
                state = .closed
                return .refuse(status)
            case .more:
                state = .readingHead(scan)
                return .forward(headCompleted: false)
            case .complete(let end):
                // What follows the head in the same read may be the first WebSocket frame; before the
                // answer, an unmasked one only marks the connection (`unmaskedEarly`).
                state = .awaitingAnswer(FrameMaskWatch(), unmaskedEarly: false)
                _ = watch(bytes.dropFirst(end))
                return .forward(headCompleted: true)
            }
        case .awaitingAnswer, .upgraded:
            return watch(bytes) ? .forward(headCompleted: false) : .failUnmasked
        }
    }

    /// Follows client frames; `false` when a frame of an upgraded connection was not masked.
    private mutating func watch<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool
    where Bytes.Index == Int {
        guard !bytes.isEmpty else { return true }
        switch state {
        case .awaitingAnswer(var watch?, _):
            state =
                watch.feed(bytes)
                ? .awaitingAnswer(watch, unmaskedEarly: false) : .awaitingAnswer(nil, unmaskedEarly: true)
        case .upgraded(var watch):
            guard watch.feed(bytes) else {
                state = .closed
                return false
            }
            state = .upgraded(watch)
        default:
            break
        }
        return true
    }

    /// The HTTP pipeline writes the first bytes of its answer; `switching` when they are a
    /// `101 Switching Protocols`. Later writes are the pipeline's own business.
    mutating func answer(switching: Bool) -> AnswerAction {
        switch state {
        case .awaitingAnswer(let watch, let unmaskedEarly):
            guard switching else {
                state = .passing
                return .write
            }
            if unmaskedEarly {
                state = .closed
                return .writeThenFailUnmasked
            }
            state = .upgraded(watch ?? FrameMaskWatch())
            return .write
        case .readingHead:
            state = .passing
            return .write
        case .upgraded, .passing, .closed:
            return .write
        }
    }

    /// The head timeout fired. Behind TLS an answer written before the handshake is done would wait
    /// in the TLS handler for ever, so the connection is closed without one.
    mutating func headTimedOut(behindTLS: Bool) -> CloseAction {
        guard case .readingHead = state else { return .none }
        state = .closed
        return behindTLS ? .close : .refuse("408 Request Timeout")
    }

    /// The hub stops gracefully. A connection that has not sent a whole head has nothing in progress,
    /// and the HTTP pipeline only learns to quiesce after a head: it is closed now.
    mutating func quiesce() -> CloseAction {
        guard case .readingHead = state else { return .none }
        state = .closed
        return .close
    }

    /// The HTTP parser or the upgrader refused the request, or the pipeline is done with the connection:
    /// whether it must be answered `400` here, because nothing answered it yet.
    mutating func pipelineGaveUp() -> Bool {
        switch state {
        case .readingHead, .awaitingAnswer:
            state = .closed
            return true
        case .upgraded, .passing, .closed:
            return false
        }
    }

    // MARK: Reading the head

    enum ScanResult: Equatable {
        case more
        /// The head ends before this offset of the bytes.
        case complete(Int)
        case refuse(String)
    }

    /// Reads the bytes of the head: more to come, where it ended, or the status to refuse it with.
    static func scan(_ bytes: some Collection<UInt8>, _ scan: inout HeadScan, maxHead: Int) -> ScanResult {
        var offset = 0
        for byte in bytes {
            offset += 1
            if scan.bytes == 0, byte == 0x16 { return .refuse("400 Bad Request") }  // a TLS ClientHello, plain port
            scan.bytes += 1
            if !scan.methodDone {
                if byte == UInt8(ascii: " ") {
                    scan.methodDone = true
                    let name = String(decoding: scan.method, as: UTF8.self)
                    if name == "PRI" { return .refuse("400 Bad Request") }  // the HTTP/2 connection preface
                    if !methods.contains(name) { return .refuse("501 Not Implemented") }
                } else if scan.method.count >= 16 || byte < 0x21 || byte > 0x7e {
                    return .refuse("501 Not Implemented")
                } else {
                    scan.method.append(byte)
                }
            }
            let (b, c) = scan.tail
            scan.tail = (c, byte)
            if byte == UInt8(ascii: "\n"), c == UInt8(ascii: "\n") || (c == 13 && b == 10) { return .complete(offset) }
            if scan.bytes > maxHead { return .refuse("431 Request Header Fields Too Large") }
        }
        return .more
    }
}
