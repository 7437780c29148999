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
    static var methods: Set<String> { RequestHeadGuardStateMachine.methods }

    private let timeout: TimeAmount
    private var machine: RequestHeadGuardStateMachine
    private var deadline: Scheduled<Void>?
    /// The guard's place in the pipeline, while it is in it.
    private var context: ChannelHandlerContext?

    /// Whether the guard sits behind a TLS handler: then an answer written before the handshake
    /// is done would wait in the TLS handler for ever, so the timeout closes without one.
    private let behindTLS: Bool

    init(timeout: TimeAmount, maxHead: Int, behindTLS: Bool = false) {
        self.timeout = timeout
        self.machine = RequestHeadGuardStateMachine(maxHead: maxHead)
        self.behindTLS = behindTLS
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { [self] in
            self.run(self.machine.headTimedOut(behindTLS: self.behindTLS), context: loopBound.value)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        cancelDeadline()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .close = machine.quiesce() {
            run(.close, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch machine.read(unwrapInboundIn(data).readableBytesView) {
        case .forward(let headCompleted):
            if headCompleted { cancelDeadline() }
            context.fireChannelRead(data)
        case .refuse(let status):
            reject(context: context, status: status)
        case .failUnmasked:
            failUnmasked(context: context)
        case .drop:
            return
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The response has begun: the head was accepted, and the rest is the HTTP pipeline's.
        // The guard stays in the pipeline (removing it in the middle of the WebSocket upgrade races
        // with the upgrader's own pipeline changes); from now on it only forwards, and for an
        // upgraded connection checks that the client masks its frames.
        var switching = false
        if case .byteBuffer(let buffer) = unwrapOutboundIn(data) {
            switching = buffer.readableBytesView.starts(with: "HTTP/1.1 101".utf8)
        }
        let action = machine.answer(switching: switching)
        context.write(data, promise: promise)
        if case .writeThenFailUnmasked = action { failUnmasked(context: context) }
    }

    /// RFC 6455 §5.1: a server must fail the connection when a client frame is not masked; NIO's
    /// frame decoder accepts it. Sends the close frame (1002, protocol error) itself and closes.
    private func failUnmasked(context: ChannelHandlerContext) {
        let close = ByteBuffer(bytes: [0x88, 0x02, 0x03, 0xEA])  // FIN + close, 2 bytes: 1002
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(close))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The HTTP parser or the WebSocket upgrader refused the first request (a malformed header
    /// line, an upgrade without a key or with another version): the upgrading pipeline would wait
    /// for more bytes for ever, so the guard answers 400 and closes.
    func parserFailed() {
        if let context, machine.pipelineGaveUp() { reject(context: context, status: "400 Bad Request") }
    }

    /// The HTTP pipeline is done with the connection: a request it gave up on without a byte of
    /// answer (a head the parser refused) is answered 400; then the connection is closed.
    func finish(channel: any Channel) {
        if let context, machine.pipelineGaveUp() {
            reject(context: context, status: "400 Bad Request")
        } else {
            channel.close(promise: nil)
        }
    }

    /// Does what a timeout or a graceful stop decided.
    private func run(_ action: RequestHeadGuardStateMachine.CloseAction, context: ChannelHandlerContext) {
        switch action {
        case .none: return
        case .close:
            cancelDeadline()
            context.close(promise: nil)
        case .refuse(let status): reject(context: context, status: status)
        }
    }

    /// Answers with a bare status and closes: nothing after the guard has seen a byte of this
    /// connection's request.
    private func reject(context: ChannelHandlerContext, status: String) {
        cancelDeadline()
        let text = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer(string: text)))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
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
struct FrameMaskWatch: Equatable {
    private var header: [UInt8] = []
    private var skip: UInt64 = 0

    /// Feeds the next bytes; `false` at an unmasked frame. Payloads are skipped, not read.
    mutating func feed<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
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
