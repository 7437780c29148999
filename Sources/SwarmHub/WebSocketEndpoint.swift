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
/// A connection costs one task, its reader, and one more that waits without waking until the
/// connection is to be closed (the closer). Writes run on the connection's event loop
/// (``Outbox``), and the hello timeout and close grace are timers of that event loop, not tasks.
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
            closeGrace: configuration.closeGrace)
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
            try await withThrowingDiscardingTaskGroup { group in
                // The closer: writes the close frame once everything queued before it was written.
                group.addTask {
                    if let closing = await outbox.nextClose() {
                        try await outbound.close(.init(codeNumber: Int(closing.code)), reason: closing.reason)
                    }
                }
                do {
                    for try await message in inbound.messages(maxSize: configuration.maxFrameSize) {
                        switch message {
                        case .text(let text): await session.handle(text)
                        case .binary: session.handleBinary()
                        }
                        // Closing: the closer writes the close frame after what is queued.
                        if outbox.isClosing { return }
                    }
                } catch {
                    session.logger.debug("connection read ended", metadata: ["error": "\(error)"])
                    outbox.finish()
                    throw error
                }
                // The peer closed: nothing more is written.
                outbox.finish()
            }
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
