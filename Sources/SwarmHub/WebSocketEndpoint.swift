import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import SwarmProtocol
import SwarmStore
import Synchronization
import WSCore

/// The `/v1/ws` endpoint: upgrades authenticated (or not yet authenticated) requests and runs one
/// session per connection.
///
/// A connection costs one task of ours, its reader (the WebSocket library adds its ping task). Writes
/// run on the connection's event loop (``Outbox``), the close frame is written by a task started
/// when the close is decided, and the hello timeout and close grace are timers of that event loop.
enum WebSocketEndpoint {
    /// Adds the WebSocket route to a router.
    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        router.ws(RouterPath(ProtocolInfo.webSocketPath)) { request, _ in
            // A bearer token on the upgrade must be valid, or the upgrade is refused (the WebSocket
            // library answers any refused upgrade with a bare 400).
            if let token = try bearerToken(request) {
                guard try await services.store.authenticate(secret: token) != nil else {
                    throw APIError(.unauthorized, "unknown or revoked token")
                }
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            try await run(inbound: inbound, outbound: outbound, context: context, services: services)
        }
    }

    static func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<HubRequestContext>, services: HubServices
    ) async throws {
        let configuration = services.configuration
        let channel = context.requestContext.channel
        let outbox = Outbox(
            channel: channel,
            limits: .init(frames: configuration.outboundQueueLimit, bytes: configuration.outboundQueueBytes),
            closeGrace: configuration.closeGrace,
            writeClose: { closing in
                try? await outbound.close(.init(codeNumber: Int(closing.code)), reason: closing.reason)
            })
        let session = Session(services: services, outbox: outbox, logger: context.logger)
        defer { session.end() }
        let flags = session.flags
        let helloTimer = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.helloTimeout)) {
            if !flags.authenticated.load(ordering: .relaxed) {
                outbox.close(code: CloseCode.helloTimeout, reason: "no hello in time")
            }
        }
        defer { helloTimer.cancel() }
        if let token = try? bearerToken(context.request),
            let info = try? await services.store.authenticate(secret: token)
        {
            await session.authenticate(token: info)
        }
        try await withGracefulShutdownHandler {
            var closing = false
            do {
                for try await message in inbound.messages(maxSize: configuration.maxFrameSize) {
                    switch message {
                    case .text(let text): await session.handle(text)
                    case .binary: session.handleBinary()
                    }
                    // Closing: the close frame goes out after what is queued.
                    if outbox.isClosing {
                        closing = true
                        break
                    }
                }
            } catch {
                session.logger.debug("connection read ended", metadata: ["error": "\(error)"])
                outbox.finish()
                await outbox.closeFinished()
                throw error
            }
            // The peer closed: nothing more is written.
            if !closing { outbox.finish() }
            await outbox.closeFinished()
        } onGracefulShutdown: {
            outbox.close(code: CloseCode.goingAway, reason: "the hub is shutting down; reconnect and resume with since")
        }
    }
}

/// The token of an `Authorization: Bearer …` header, `nil` when there is no such header.
func bearerToken(_ request: Request) throws(APIError) -> String? {
    guard let value = request.headers[.authorization] else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
        throw APIError(.unauthorized, "the Authorization header must be 'Bearer <token>'")
    }
    return String(parts[1]).trimmingCharacters(in: .whitespaces)
}
