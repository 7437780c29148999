public import Foundation
public import Hummingbird
public import HummingbirdWebSocket
public import NIOCore
public import SwarmCore
import SwarmProtocol
public import SwarmStore
import Synchronization

/// The request context of the hub: Hummingbird's core storage, the WebSocket handler reference, the
/// connection's channel (so a stuck connection can be closed even when no write gets through), and
/// the token the request authenticated with (set by ``Authenticator``).
public struct HubRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's NIO channel.
    public let channel: any NIOCore.Channel
    /// The token of the request's `Authorization: Bearer` header, once ``Authenticator`` found it valid.
    public var token: TokenInfo?
    private let slot: WebSocketSlot

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.slot = WebSocketSlot()
    }

    /// Answers are encoded with sorted keys and unescaped slashes, as every hub frame is.
    public var responseEncoder: JSONEncoder { SwarmJSON.encoder() }

    /// Who sent the request, when it carried a valid token.
    public var principal: Principal? { token.map { Principal(id: $0.name, role: $0.role) } }

    /// The principal, or `unauthorized` for a request without a token (the REST API needs one).
    public func requirePrincipal() throws(HubError) -> Principal {
        guard let principal else {
            throw HubError(.unauthorized, "send 'Authorization: Bearer <token>'")
        }
        return principal
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
