import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
public import SwarmProtocol
import Synchronization

/// One authenticated WebSocket session with a hub: send commands and await their answers by id,
/// and read what the hub pushes on subscribed channels (events, activity notices) from ``incoming``.
///
/// Made with ``HubConnection/open(_:client:_:)``, which connects, says `hello`, runs the body and
/// closes. When the hub goes away, every command still waiting fails with a `connection` error and
/// ``incoming`` ends; ``closeReason`` then says why.
public final class HubConnection: Sendable {
    /// Who the hub says we are.
    public let welcome: Welcome
    /// What the hub pushes without being asked: on a subscribed channel, an event of the log, or
    /// an ephemeral `activity` notice (someone viewing or typing, Protocol §25).
    public enum Incoming: Sendable, Hashable {
        case event(EventFrame)
        case activity(Activity)
    }

    /// The events and activity notices of the channels this connection subscribed to, in the
    /// order the hub sent them.
    public let incoming: AsyncStream<Incoming>

    private let outbound: WebSocketOutboundWriter
    private let state: SharedState

    struct State {
        var pending: [String: CheckedContinuation<ServerFrame, any Error>] = [:]
        var closed: String?
        var nextID = 0
        let session = "swarm-\(UUID().uuidString.lowercased())"
    }

    /// The state the connection's reader and its callers share, behind one lock.
    final class SharedState: Sendable {
        let lock = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { lock.withLock { body(&$0) } }
    }

    init(welcome: Welcome, incoming: AsyncStream<Incoming>, outbound: WebSocketOutboundWriter, state: SharedState) {
        self.welcome = welcome
        self.incoming = incoming
        self.outbound = outbound
        self.state = state
    }

    /// Why the connection ended, once it has.
    public var closeReason: String? { state.withLock { $0.closed } }

    /// Sends a command and returns the hub's `ack`; the hub's `error` is thrown as a ``ClientError``.
    @discardableResult
    public func send(_ message: ClientMessage) async throws(ClientError) -> Ack {
        // Ids must be unique per agent for a day: the hub answers a reused id with the first ack and
        // does nothing else (Protocol §12), so every process needs ids of its own, not a counter.
        let id = state.withLock { state in
            state.nextID += 1
            return "\(state.session)-\(state.nextID)"
        }
        let reply = try await Self.request(id: id, message: message, outbound: outbound, state: state)
        switch reply {
        case .ack(let ack): return ack
        case .error(let error): throw ClientError(error)
        default: throw .failure("the hub answered \(message.type) with an unexpected frame")
        }
    }

    /// Sends a frame with `id` and waits for the frame that answers it.
    static func request(
        id: String, message: ClientMessage, outbound: WebSocketOutboundWriter, state: SharedState
    ) async throws(ClientError) -> ServerFrame {
        let text: String
        do {
            text = try SwarmJSON.string(ClientFrame(id: id, message: message))
        } catch {
            throw .failure("cannot encode \(message.type.rawValue): \(error)")
        }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let closed: String? = state.withLock { state in
                    if let closed = state.closed { return closed }
                    state.pending[id] = continuation
                    return nil
                }
                if let closed {
                    continuation.resume(throwing: ClientError.connection(closed))
                    return
                }
                Task {
                    do {
                        try await outbound.write(.text(text))
                    } catch {
                        let waiting = state.withLock { $0.pending.removeValue(forKey: id) }
                        waiting?.resume(throwing: ClientError.connection("the connection to the hub was lost"))
                    }
                }
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw .connection("the connection to the hub was lost: \(error)")
        }
    }

    /// Connects to the hub, authenticates with `hello`, runs `body`, then closes the connection.
    ///
    /// - Throws: ``ClientError``: `connection` when the hub cannot be reached, the hub's `unauthorized`
    ///   for a bad token, and whatever `body` throws.
    public static func open<T: Sendable>(
        _ credentials: Credentials, client: String = "swarm/\(SwarmClientInfo.version)",
        _ body: (HubConnection) async throws -> T
    ) async throws -> T {
        let state = SharedState()
        let (incoming, eventContinuation) = AsyncStream.makeStream(of: Incoming.self, bufferingPolicy: .unbounded)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: WebSocketOutboundWriter.self)
        let url = credentials.server.webSocketURL
        var tls: TLSConfiguration? = nil
        if credentials.server.secure {
            // The WebSocket library sends the host as SNI and checks the certificate against it,
            // which TLS does not allow for an IP address.
            guard !ClientTLS.isIPAddress(credentials.server.host) else {
                throw ClientError.usage(
                    "name a TLS hub by the DNS name its certificate is for (wss://hub.example:8443),"
                        + " not by the IP address \(credentials.server.host)")
            }
            tls = try ClientTLS.configuration(caCertificate: credentials.caCertificate)
        }
        let tlsConfiguration = tls
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var reason = "the hub closed the connection"
                defer {
                    readyContinuation.finish()
                    eventContinuation.finish()
                    let waiting = state.withLock { state in
                        state.closed = reason
                        defer { state.pending = [:] }
                        return state.pending.values
                    }
                    for continuation in waiting { continuation.resume(throwing: ClientError.connection(reason)) }
                }
                do {
                    let close = try await WebSocketClient.connect(
                        url: url,
                        configuration: .init(maxFrameSize: 1 << 24),
                        tlsConfiguration: tlsConfiguration,
                        logger: silentLogger
                    ) { inbound, outbound, _ in
                        readyContinuation.yield(outbound)
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            guard case .text(let text) = message,
                                let frame = try? ServerFrame.decode(TerminalText.cleanJSON(text))
                            else {
                                continue  // unknown frames and event types are skipped (§1, §21)
                            }
                            Self.deliver(frame, state: state, events: eventContinuation)
                        }
                    }
                    if let close {
                        let code = closeCodeNumber(close.closeCode)
                        reason = "the hub closed the connection (\(code)\(close.reason.map { ": \($0)" } ?? ""))"
                    }
                } catch {
                    reason = "cannot reach the hub at \(url): \(describe(error))"
                    throw ClientError.connection(reason)
                }
            }
            var iterator = ready.makeAsyncIterator()
            guard let outbound = await iterator.next() else {
                do {
                    try await group.next()
                } catch let error as ClientError {
                    throw error
                }
                throw ClientError.connection(state.withLock { $0.closed } ?? "cannot reach the hub at \(url)")
            }
            do {
                let reply = try await request(
                    id: "hello", message: .hello(Hello(token: credentials.token, client: client)), outbound: outbound,
                    state: state)
                let welcome: Welcome
                switch reply {
                case .welcome(let value): welcome = value
                case .error(let error): throw ClientError(error)
                default: throw ClientError.failure("the hub answered hello with an unexpected frame")
                }
                let connection = HubConnection(welcome: welcome, incoming: incoming, outbound: outbound, state: state)
                let result = try await body(connection)
                try? await outbound.close(.normalClosure, reason: nil)
                try? await group.waitForAll()
                return result
            } catch {
                try? await outbound.close(.normalClosure, reason: nil)
                group.cancelAll()
                throw error
            }
        }
    }

    private static func deliver(
        _ frame: ServerFrame, state: SharedState, events: AsyncStream<Incoming>.Continuation
    ) {
        let id: String?
        switch frame {
        case .event(let event):
            events.yield(.event(event))
            return
        case .activity(let activity):
            events.yield(.activity(activity))
            return
        case .metricsUpdated:
            // `swarm metrics` reads GET /v1/metrics; nothing here subscribes to the metrics channel.
            return
        case .ack(let ack): id = ack.id
        case .error(let error): id = error.id
        case .welcome(let welcome): id = welcome.id
        case .pong(let pong): id = pong.id
        }
        guard let id, let waiting = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        waiting.resume(returning: frame)
    }
}

/// Facts about this client.
public enum SwarmClientInfo {
    /// The client's version, sent in `hello` as `swarm/<version>`.
    public static let version = "0.1.0"
}

/// The WebSocket library logs at debug level; a terminal client shows its own messages instead.
let silentLogger: Logger = {
    var logger = Logger(label: "swarm.client")
    logger.logLevel = .critical
    return logger
}()

/// The numeric value of a close code.
func closeCodeNumber(_ code: WebSocketErrorCode) -> Int {
    var buffer = ByteBuffer()
    buffer.write(webSocketErrorCode: code)
    return Int(buffer.readInteger(as: UInt16.self) ?? 0)
}

/// A short reason for a connection failure, without the type names NIO puts in descriptions.
func describe(_ error: any Error) -> String {
    if let error = error as? WebSocketClientError {
        if error == .webSocketUpgradeFailed { return "the WebSocket upgrade was refused (is this a swarmd hub?)" }
        return error.description
    }
    let text = String(describing: error)
    if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
        return "connection refused"
    }
    if let error = error as? IOError { return error.description }
    if let tls = ClientTLS.explain(text) { return tls }
    if text.contains("connectTimeout") { return "timed out" }
    return text
}
