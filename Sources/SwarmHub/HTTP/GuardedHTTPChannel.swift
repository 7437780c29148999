import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL

/// The hub's connections: Hummingbird's HTTP/1.1 channel with the WebSocket upgrade, behind a
/// ``RequestHeadGuard`` that bounds what a connection may do before its first request head is
/// complete, and that answers and closes what the HTTP pipeline gives up on.
struct GuardedHTTPChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: HTTP1WebSocketUpgradeChannel.Value
        let guardHandler: NIOLoopBound<RequestHeadGuard>
        var channel: any Channel { inner.channel }
    }

    let inner: HTTP1WebSocketUpgradeChannel
    let headTimeout: TimeAmount
    let maxHead: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // First, or right after the TLS handler when the hub serves TLS: the guard reads the
        // plain request head, and its timeout, which starts now, then also bounds the handshake.
        let tls = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
        let guardHandler = RequestHeadGuard(timeout: headTimeout, maxHead: maxHead, behindTLS: tls != nil)
        do {
            try channel.pipeline.syncOperations.addHandler(guardHandler, position: tls.map { .after($0) } ?? .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let bound = NIOLoopBound(guardHandler, eventLoop: channel.eventLoop)
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // After the parser and the upgrade handler, which the inner setup has just added.
            try channel.pipeline.syncOperations.addHandler(ParserErrorWatch(guardHandler: bound.value))
            return Value(inner: value, guardHandler: bound)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value.inner, logger: logger)
        // A head the parser refused leaves the connection open and unanswered: answer and close it.
        let channel = value.channel
        let guardHandler = value.guardHandler
        channel.eventLoop.execute { guardHandler.value.finish(channel: channel) }
    }
}
