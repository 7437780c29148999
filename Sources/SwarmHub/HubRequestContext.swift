public import Hummingbird
public import HummingbirdWebSocket
public import NIOCore

/// The request context of the hub: Hummingbird's core storage, the WebSocket handler reference, and
/// the connection's channel (so a stuck connection can be closed even when no write gets through).
public struct HubRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The connection's NIO channel.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}
