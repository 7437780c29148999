public import Hummingbird
public import HummingbirdWebSocket
public import NIOCore
import Synchronization

/// The request context of the hub: Hummingbird's core storage, the WebSocket handler reference, and
/// the connection's channel (so a stuck connection can be closed even when no write gets through).
public struct HubRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's NIO channel.
    public let channel: any Channel
    private let slot: WebSocketSlot

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.slot = WebSocketSlot()
    }

    /// Where the router leaves the WebSocket handler for the upgrade.
    public var webSocket: WebSocketHandlerReference<Self> {
        slot.reference.withLock { $0 } ?? WebSocketHandlerReference()
    }

    /// Lets go of the WebSocket handler reference once the upgrade has used it.
    ///
    /// The router stores the handler together with this context in the reference the context holds:
    /// a cycle, which would keep every upgraded connection's context — and with it its channel, its
    /// pipeline and its buffers — alive after the connection closed (about 5 KB a connection,
    /// found by heaptrack on connection churn; docs/performance.md). Called when the upgraded
    /// connection starts.
    func releaseWebSocketReference() {
        slot.reference.withLock { $0 = nil }
    }
}

/// The one box behind a request's `webSocket`, held by reference so the context's copies share it
/// and it can be let go of.
final class WebSocketSlot: Sendable {
    let reference = Mutex<WebSocketHandlerReference<HubRequestContext>?>(WebSocketHandlerReference())
}
