import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import SwarmProtocol
import SwarmStore
import Synchronization
import WSCore

/// The `/v1/ws` endpoint: upgrades authenticated (or not yet authenticated) requests and runs one
/// session per connection.
enum WebSocketEndpoint {
    /// Adds the WebSocket route to a router.
    static func add(to router: Router<HubRequestContext>, services: HubServices) {
        router.ws(RouterPath(ProtocolInfo.webSocketPath)) { request, _ in
            // A bearer token on the upgrade must be valid, or the upgrade is refused (the WebSocket
            // library answers any refused upgrade with a bare 400).
            if let token = try bearerToken(request) {
                guard try services.store.authenticate(secret: token) != nil else {
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
        let outbox = Outbox(capacity: services.configuration.outboundQueueLimit)
        let session = Session(services: services, outbox: outbox, logger: context.logger)
        defer { session.end() }
        if let token = try? bearerToken(context.request), let info = try? services.store.authenticate(secret: token) {
            await session.authenticate(token: info)
        }
        let channel = context.requestContext.channel
        let flags = session.flags
        let configuration = services.configuration
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Writer: the only task that writes to the socket.
            group.addTask {
                try await outbox.drain { frames in
                    for frame in frames {
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame)))
                    }
                } close: { code, reason in
                    try await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                }
            }
            // Watchdog: no hello in time → 4001; a close that cannot be written (the peer reads
            // nothing) → drop the TCP connection after a grace period.
            group.addTask {
                let start = ContinuousClock.now
                while !outbox.isClosing {
                    try await Task.sleep(for: .milliseconds(100))
                    if !flags.authenticated.load(ordering: .relaxed),
                        start.duration(to: .now) > configuration.helloTimeout
                    {
                        outbox.close(code: CloseCode.helloTimeout, reason: "no hello in time")
                    }
                }
                try await Task.sleep(for: configuration.closeGrace)
                try await channel.close()
            }
            do {
                for try await message in inbound.messages(maxSize: configuration.maxFrameSize) {
                    switch message {
                    case .text(let text): await session.handle(text)
                    case .binary: session.handleBinary()
                    }
                    if outbox.isClosing { break }
                }
            } catch {
                session.logger.debug("connection read ended", metadata: ["error": "\(error)"])
                outbox.finish()
                group.cancelAll()
                throw error
            }
            outbox.finish()
            // Let the writer flush what is queued (or write its close frame), then stop the watchdog.
            try await group.next()
            group.cancelAll()
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
