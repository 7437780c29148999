import NIOCore
import NIOHTTP1

/// The first handler of every TCP connection, before any HTTP parsing: what a connection may do
/// before it has sent one complete request head.
///
/// The WebSocket-upgrading HTTP pipeline adds its idle timeout only once a first request head has
/// been parsed, and answers nothing when that head is malformed, so without this an idle socket, a
/// slowloris upgrade or a stray TLS handshake would hold a file descriptor for ever. The guard:
/// - drops the connection when its first request head is not complete within `timeout`
///   (answering `408` first), or at once when the hub stops gracefully;
/// - answers `501` to a method the hub does not implement, `400` to a TLS handshake or an HTTP/2
///   preface on the plain port, `431` to a head longer than `maxHead` bytes, and closes;
/// - once the head is complete it forwards bytes; on a connection upgraded to WebSocket it fails an
///   unmasked client frame with 1002 (RFC 6455 §5.1), which the WebSocket library does not check.
///
/// It runs on the channel's event loop only, so its state needs no lock.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The methods the hub answers; anything else is `501 Not Implemented`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    private let timeout: TimeAmount
    private let maxHead: Int
    private var deadline: Scheduled<Void>?
    private var headBytes = 0
    /// The request line's method, as far as it has come.
    private var method: [UInt8] = []
    private var methodDone = false
    /// The last two bytes seen, to find the blank line that ends the head.
    private var tail: (UInt8, UInt8) = (0, 0)
    private(set) var headComplete = false
    private var rejected = false
    /// Whether the HTTP pipeline has written anything: then it answered the request itself.
    private var answered = false
    /// The client's WebSocket frames, watched from the end of the head until the response shows
    /// whether the connection was upgraded (then for good) or not (then no more).
    private var frames: FrameMaskWatch? = nil
    /// Whether the response was `101 Switching Protocols`.
    private var upgraded = false
    /// An unmasked frame seen before the upgrade's response went out.
    private var unmaskedEarly = false
    /// The guard's place in the pipeline, while it is in it.
    private var context: ChannelHandlerContext?

    /// Whether the guard sits behind a TLS handler: then an answer written before the handshake
    /// is done would wait in the TLS handler for ever, so the timeout closes without one.
    private let behindTLS: Bool

    init(timeout: TimeAmount, maxHead: Int, behindTLS: Bool = false) {
        self.timeout = timeout
        self.maxHead = maxHead
        self.behindTLS = behindTLS
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { [self] in
            guard !self.headComplete else { return }
            if self.behindTLS {
                self.rejected = true
                loopBound.value.close(promise: nil)
                return
            }
            self.reject(context: loopBound.value, status: "408 Request Timeout")
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        deadline?.cancel()
        deadline = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A graceful stop asks every connection to finish. One that has not sent a whole head yet
        // has nothing in progress, and the HTTP pipeline only learns to quiesce after a head: close
        // it now, or it would hold the stop until it sends one (or for ever, before the guard).
        if event is ChannelShouldQuiesceEvent, !headComplete {
            rejected = true
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }
        let buffer = unwrapInboundIn(data)
        var view = buffer.readableBytesView
        if !headComplete {
            switch scan(view) {
            case .refuse(let status):
                reject(context: context, status: status)
                return
            case .more:
                break
            case .complete(let end):
                // What follows the head in the same read may be the first WebSocket frame.
                view = view[end...]
                frames = FrameMaskWatch()
            }
        }
        if !view.isEmpty, frames != nil, !frames!.feed(view) {
            if upgraded {
                failUnmasked(context: context)
                return
            }
            unmaskedEarly = true
            frames = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The response has begun: the head was accepted, and the rest is the HTTP pipeline's.
        // The guard stays in the pipeline (removing it in the middle of the WebSocket upgrade races
        // with the upgrader's own pipeline changes); from now on it only forwards, and for an
        // upgraded connection checks that the client masks its frames.
        if !answered {
            answered = true
            if case .byteBuffer(let buffer) = unwrapOutboundIn(data),
                buffer.readableBytesView.starts(with: "HTTP/1.1 101".utf8)
            {
                upgraded = true
                if unmaskedEarly {
                    context.write(data, promise: promise)
                    failUnmasked(context: context)
                    return
                }
            } else {
                frames = nil
            }
        }
        context.write(data, promise: promise)
    }

    /// RFC 6455 §5.1: a server must fail the connection when a client frame is not masked; NIO's
    /// frame decoder accepts it. Sends the close frame (1002, protocol error) itself and closes.
    private func failUnmasked(context: ChannelHandlerContext) {
        rejected = true
        frames = nil
        let close = ByteBuffer(bytes: [0x88, 0x02, 0x03, 0xEA])  // FIN + close, 2 bytes: 1002
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(close))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    enum ScanResult {
        case more
        /// The head ends before this index of the view.
        case complete(Int)
        case refuse(String)
    }

    /// Reads the bytes of the head: more to come, where it ended, or the status to refuse it with.
    private func scan(_ bytes: ByteBufferView) -> ScanResult {
        for index in bytes.indices {
            let byte = bytes[index]
            if headBytes == 0 {
                if byte == 0x16 { return .refuse("400 Bad Request") }  // a TLS ClientHello on the plain port
            }
            headBytes += 1
            if !methodDone {
                if byte == UInt8(ascii: " ") {
                    methodDone = true
                    let name = String(decoding: method, as: UTF8.self)
                    if name == "PRI" { return .refuse("400 Bad Request") }  // the HTTP/2 connection preface
                    if !Self.methods.contains(name) { return .refuse("501 Not Implemented") }
                } else if method.count >= 16 || byte < 0x21 || byte > 0x7e {
                    return .refuse("501 Not Implemented")
                } else {
                    method.append(byte)
                }
            }
            let (b, c) = tail
            tail = (c, byte)
            if byte == UInt8(ascii: "\n"), c == UInt8(ascii: "\n") || (c == 13 && b == 10) {
                headComplete = true
                deadline?.cancel()
                deadline = nil
                return .complete(index + 1)
            }
            if headBytes > maxHead { return .refuse("431 Request Header Fields Too Large") }
        }
        return .more
    }

    /// The HTTP parser or the WebSocket upgrader refused the first request (a malformed header
    /// line, an upgrade without a key or with another version): the upgrading pipeline would wait
    /// for more bytes for ever, so the guard answers 400 and closes.
    func parserFailed() {
        if let context, !rejected, !answered { reject(context: context, status: "400 Bad Request") }
    }

    /// The HTTP pipeline is done with the connection: a request it gave up on without a byte of
    /// answer (a head the parser refused) is answered 400; then the connection is closed.
    func finish(channel: any Channel) {
        if let context, !rejected, !answered {
            reject(context: context, status: "400 Bad Request")
        } else {
            channel.close(promise: nil)
        }
    }

    /// Answers with a bare status and closes: nothing after the guard has seen a byte of this
    /// connection's request.
    func reject(context: ChannelHandlerContext, status: String) {
        guard !rejected else { return }
        rejected = true
        deadline?.cancel()
        deadline = nil
        let text = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer(string: text)))).whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// Sits after the HTTP parser and tells the ``RequestHeadGuard`` when the parser fails; forwards
/// everything else untouched.
final class ParserErrorWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    private let guardHandler: RequestHeadGuard

    init(guardHandler: RequestHeadGuard) {
        self.guardHandler = guardHandler
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Any error before the first response (the parser's, the upgrader's) leaves the request
        // unanswered; after it, the HTTP pipeline answers for itself.
        guardHandler.parserFailed()
        context.fireErrorCaught(error)
    }
}

/// Follows the headers of a client's WebSocket frames through the byte stream, skipping payloads,
/// and reports the first frame without a mask.
struct FrameMaskWatch {
    private var header: [UInt8] = []
    private var skip: UInt64 = 0

    /// Feeds the next bytes; `false` at an unmasked frame.
    mutating func feed(_ bytes: ByteBufferView) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if skip > 0 {
                let step = Int(min(skip, UInt64(bytes.endIndex - index)))
                index += step
                skip -= UInt64(step)
                continue
            }
            header.append(bytes[index])
            index += 1
            guard header.count >= 2 else { continue }
            let masked = header[1] & 0x80 != 0
            guard masked else { return false }
            let short = header[1] & 0x7F
            let extended = short == 126 ? 2 : short == 127 ? 8 : 0
            guard header.count == 2 + extended + 4 else { continue }
            var length = UInt64(short)
            if extended > 0 { length = header[2..<(2 + extended)].reduce(0) { $0 << 8 | UInt64($1) } }
            skip = length
            header.removeAll(keepingCapacity: true)
        }
        return true
    }
}
