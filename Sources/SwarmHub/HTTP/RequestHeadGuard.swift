import NIOCore
import NIOHTTP1

/// The first handler of every TCP connection, before any HTTP parsing: what a connection may do
/// before it has sent one complete request head.
///
/// The WebSocket-upgrading HTTP pipeline adds its idle timeout only once a first request head has
/// been parsed, and answers nothing when that head is malformed, so without this an idle socket, a
/// slowloris upgrade or a stray TLS handshake would hold a file descriptor for ever. The guard:
/// - drops the connection when its first request head is not complete within `timeout`
///   (answering `408` first);
/// - answers `501` to a method the hub does not implement, `400` to a TLS handshake or an HTTP/2
///   preface on the plain port, `431` to a head longer than `maxHead` bytes, and closes;
/// - once the head is complete it only forwards bytes (one call per read and write).
///
/// It runs on the channel's event loop only, so its state needs no lock.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The methods the hub answers; anything else is `501 Not Implemented`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    private let timeout: TimeAmount
    private let maxHead: Int
    private var deadline: Scheduled<Void>?
    private var headBytes = 0
    /// The request line's method, as far as it has come.
    private var method: [UInt8] = []
    private var methodDone = false
    /// The last bytes seen, to find the blank line that ends the head.
    private var tail: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private(set) var headComplete = false
    private var rejected = false
    /// Whether the HTTP pipeline has written anything: then it answered the request itself.
    private var answered = false
    /// The guard's place in the pipeline, while it is in it.
    private var context: ChannelHandlerContext?

    init(timeout: TimeAmount, maxHead: Int) {
        self.timeout = timeout
        self.maxHead = maxHead
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { [self] in
            guard !self.headComplete else { return }
            self.reject(context: loopBound.value, status: "408 Request Timeout")
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejected else { return }
        guard !headComplete else {
            context.fireChannelRead(data)
            return
        }
        let buffer = unwrapInboundIn(data)
        if let status = scan(buffer.readableBytesView) {
            reject(context: context, status: status)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The response has begun: the head was accepted, and the rest is the HTTP pipeline's. The
        // guard stays in the pipeline (removing it in the middle of the WebSocket upgrade races
        // with the upgrader's own pipeline changes), but only forwards from now on.
        answered = true
        context.write(data, promise: promise)
    }

    /// Reads the bytes of the head; returns the status to answer when they are refused.
    private func scan(_ bytes: ByteBufferView) -> String? {
        for byte in bytes {
            if headBytes == 0 {
                if byte == 0x16 { return "400 Bad Request" }  // a TLS ClientHello on the plain port
            }
            headBytes += 1
            if !methodDone {
                if byte == UInt8(ascii: " ") {
                    methodDone = true
                    let name = String(decoding: method, as: UTF8.self)
                    if name == "PRI" { return "400 Bad Request" }  // the HTTP/2 connection preface
                    if !Self.methods.contains(name) { return "501 Not Implemented" }
                } else if method.count >= 16 || byte < 0x21 || byte > 0x7e {
                    return "501 Not Implemented"
                } else {
                    method.append(byte)
                }
            }
            let (a, b, c) = tail
            tail = (b, c, byte)
            if byte == UInt8(ascii: "\n"), c == UInt8(ascii: "\n") || (c == 13 && b == 10) {
                _ = a
                headComplete = true
                deadline?.cancel()
                deadline = nil
                return nil
            }
            if headBytes > maxHead { return "431 Request Header Fields Too Large" }
        }
        return nil
    }

    /// The HTTP parser refused the first request (a malformed header line, say): the upgrading
    /// pipeline would wait for more bytes for ever, so the guard answers 400 and closes.
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
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { _ in
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
        if error is HTTPParserError { guardHandler.parserFailed() }
        context.fireErrorCaught(error)
    }
}
