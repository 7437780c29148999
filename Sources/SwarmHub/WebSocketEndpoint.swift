import CoreMetrics
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import SwarmConfiguration
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
    /// The values of ``HubConfiguration`` the endpoint reads to run a connection.
    struct Configuration: Sendable {
        /// Origins besides the hub's own whose pages may open a connection.
        var allowedOrigins: [String]
        /// The longest frame read.
        var maxFrameSize: Int
        /// How long a connection may stay without `hello`.
        var helloTimeout: Duration
        /// The outbox's limits, and how long a peer has to take the close frame.
        var outboundQueueLimit: Int
        var outboundQueueBytes: Int
        var closeGrace: Duration

        /// The endpoint's values of a hub configuration.
        init(_ configuration: HubConfiguration) {
            self.allowedOrigins = configuration.allowedOrigins
            self.maxFrameSize = configuration.maxFrameSize
            self.helloTimeout = configuration.helloTimeout
            self.outboundQueueLimit = configuration.outboundQueueLimit
            self.outboundQueueBytes = configuration.outboundQueueBytes
            self.closeGrace = configuration.closeGrace
        }
    }

    /// Adds the WebSocket route to a router, behind the ``Authenticator``: a token on the upgrade is
    /// looked up once, there, and the session signs in with what it found.
    ///
    /// - Parameter sessions: what every connection's ``Session`` is made with.
    static func add(
        to router: Router<HubRequestContext>, authenticator: Authenticator, sessions: SessionDependencies,
        configuration: Configuration, logger: Logger
    ) {
        router.add(middleware: authenticator)
        router.ws(RouterPath(ProtocolInfo.webSocketPath)) { request, context in
            // A browser says where the page came from: only the hub's own pages and the allowed
            // origins may open a connection with a user's credentials (cross-site WebSocket hijacking).
            if let origin = request.headers[.origin],
                !originAllowed(origin, host: request.head.authority, allowed: configuration.allowedOrigins)
            {
                logger.notice(
                    "upgrade refused: origin not allowed", metadata: ["swarm.origin": "\(origin.prefix(200))"])
                throw HubError(.forbidden, "origin not allowed")
            }
            // A bearer token on the upgrade must be valid, or the Authenticator has refused the upgrade
            // already (the WebSocket library answers any refused upgrade with a bare 400).
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            try await run(
                inbound: inbound, outbound: outbound, context: context, sessions: sessions,
                configuration: configuration)
        }
    }

    /// Runs one connection: its session reads frames until the peer or the hub closes it.
    static func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<HubRequestContext>, sessions: SessionDependencies,
        configuration: Configuration
    ) async throws {
        context.requestContext.releaseWebSocketReference()
        let channel = context.requestContext.channel
        let telemetry = sessions.telemetry
        telemetry.connectionsOpened.increment()
        // The session puts the connection id and then the agent on it; the close is logged with both.
        let log = ConnectionLog(context.logger)
        let outbox = Outbox(
            channel: channel,
            limits: .init(frames: configuration.outboundQueueLimit, bytes: configuration.outboundQueueBytes),
            closeGrace: configuration.closeGrace, telemetry: telemetry,
            writeClose: { closing in
                // Every close the hub decides is logged and counted once, here, with its code
                // (docs/operations.md, "What the hub logs").
                telemetry.closed(code: closing.code)
                log.logger.log(
                    level: closing.code == CloseCode.goingAway ? .debug : .info, "closing the connection",
                    metadata: ["swarm.close.code": "\(closing.code)", "swarm.close.reason": "\(closing.reason)"])
                try? await outbound.close(.init(codeNumber: Int(closing.code)), reason: closing.reason)
            })
        let session = Session(dependencies: sessions, outbox: outbox, log: log)
        defer { session.end() }
        let flags = session.flags
        let helloTimer = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.helloTimeout)) {
            if !flags.authenticated.load(ordering: .relaxed) {
                outbox.close(code: CloseCode.helloTimeout, reason: "no hello in time")
            }
        }
        defer { helloTimer.cancel() }
        if let token = context.requestContext.token {
            await session.authenticate(token: token)
        }
        try await withGracefulShutdownHandler {
            var closing = false
            let framesIn = telemetry.framesIn
            do {
                for try await message in inbound.messages(maxSize: configuration.maxFrameSize) {
                    framesIn.increment()
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

/// Whether a browser page from `origin` may open a WebSocket on the hub at `host` (the request's
/// `Host`): the hub's own pages (the same host and port) and the configured origins may.
///
/// Browsers send the page's origin, `http(s)://host[:port]`, or `null`, and a page cannot change
/// it. Other clients may send anything (the Swift WebSocket client sends `ws://host`): an origin
/// that is neither is not a browser's, and is not a cross-site risk.
func originAllowed(_ origin: String, host: String?, allowed: [String]) -> Bool {
    let origin = origin.lowercased()
    if allowed.contains(where: { $0.lowercased() == origin }) { return true }
    let url = URL(string: origin)
    let scheme = url?.scheme
    guard origin == "null" || scheme == "http" || scheme == "https" else { return true }
    guard let url, let scheme, let originHost = url.host, let host = host?.lowercased() else { return false }
    let defaultPort = scheme == "https" ? 443 : 80
    let originAuthority = url.port.map { $0 == defaultPort ? originHost : "\(originHost):\($0)" } ?? originHost
    let hostWithoutDefault =
        host.hasSuffix(":\(defaultPort)") ? String(host.dropLast(":\(defaultPort)".count)) : host
    return originAuthority == hostWithoutDefault
}
