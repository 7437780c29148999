import Foundation
public import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
public import NIOWebSocket
public import SwarmProtocol
import Synchronization

/// Something a test client received.
public enum Received: Sendable {
    /// A text frame, raw.
    case text(String)
    /// The connection closed, with the hub's close code if it sent one.
    case closed(UInt16?)
}

/// A real WebSocket client for tests: send JSON objects, read frames one by one.
public final class TestClient: Sendable {
    let outbound: WebSocketOutboundWriter
    let mailbox: Mailbox
    /// Events read while waiting for a reply, kept for ``drainEvents()``.
    private let seen = Mutex<[EventFrame]>([])

    init(outbound: WebSocketOutboundWriter, mailbox: Mailbox) {
        self.outbound = outbound
        self.mailbox = mailbox
    }

    /// Sends a JSON object (given as a dictionary).
    public func send(_ object: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try await sendText(String(decoding: data, as: UTF8.self))
    }

    /// Sends any text frame as it is.
    public func sendText(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// Sends a binary frame.
    public func sendBinary(_ bytes: [UInt8]) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// The next thing received, or `nil` after `timeout`.
    public func receive(timeout: Duration = .seconds(30)) async -> Received? {
        await mailbox.next(timeout: timeout)
    }

    /// The next frame, decoded; throws on timeout, close, or an undecodable frame.
    public func next(timeout: Duration = .seconds(30)) async throws -> ServerFrame {
        switch await receive(timeout: timeout) {
        case .text(let text): return try ServerFrame.decode(text)
        case .closed(let code):
            throw TestFailure("connection closed (\(code.map(String.init) ?? "no code")) while waiting for a frame")
        case nil: throw TestFailure("no frame within \(timeout)")
        }
    }

    /// Reads frames until the one answering `id` (ack or error), returning it and the events read before it.
    public func reply(to id: String, timeout: Duration = .seconds(30)) async throws -> (ServerFrame, [EventFrame]) {
        var events: [EventFrame] = []
        while true {
            let frame = try await next(timeout: timeout)
            switch frame {
            case .ack(let ack) where ack.id == id: return (frame, events)
            case .error(let error) where error.id == id: return (frame, events)
            case .welcome(let welcome) where welcome.id == id: return (frame, events)
            case .pong(let pong) where pong.id == id: return (frame, events)
            case .event(let event):
                events.append(event)
                seen.withLock { $0.append(event) }
            default: continue
            }
        }
    }

    /// Sends a command and returns its ack; fails the test with the hub's error otherwise.
    @discardableResult
    public func command(_ object: [String: Any]) async throws -> Ack {
        let id = object["id"] as? String ?? UUID().uuidString
        var object = object
        object["id"] = id
        try await send(object)
        let (frame, _) = try await reply(to: id)
        guard case .ack(let ack) = frame else { throw TestFailure("expected an ack for \(object), got \(frame)") }
        return ack
    }

    /// Sends a command that must fail, and returns the error frame.
    public func failing(_ object: [String: Any]) async throws -> ErrorFrame {
        let id = object["id"] as? String ?? UUID().uuidString
        var object = object
        object["id"] = id
        try await send(object)
        let (frame, _) = try await reply(to: id)
        guard case .error(let error) = frame else { throw TestFailure("expected an error for \(object), got \(frame)") }
        return error
    }

    /// Authenticates with `hello`.
    @discardableResult
    public func hello(_ token: String) async throws -> Welcome {
        try await send(["type": "hello", "id": "hello", "token": token, "client": "tests"])
        let (frame, _) = try await reply(to: "hello")
        guard case .welcome(let welcome) = frame else { throw TestFailure("hello failed: \(frame)") }
        return welcome
    }

    /// Every event received and not yet drained, up to the hub's answer to a ping: since the hub
    /// queues events before it acks the command that caused them, this is everything sent so far.
    public func drainEvents() async throws -> [EventFrame] {
        let id = "drain-\(UUID().uuidString)"
        try await send(["type": "ping", "id": id])
        _ = try await reply(to: id)
        return seen.withLock { events in
            defer { events = [] }
            return events
        }
    }

    /// Reads (and drops) frames until the hub closes the connection; returns its close code, `nil`
    /// when it closed without one or nothing happened within `timeout` of the last frame.
    public func closeCode(timeout: Duration = .seconds(30)) async -> UInt16? {
        while let received = await receive(timeout: timeout) {
            if case .closed(let code) = received { return code }
        }
        return nil
    }

    /// Closes the connection normally.
    public func close() async {
        try? await outbound.close(.normalClosure, reason: nil)
    }
}

/// Frames received by a client, waiting to be read.
actor Mailbox {
    private var items: [Received] = []
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Received?, Never>)?
    private var nextWaiter: UInt64 = 0

    func push(_ item: Received) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: item)
        } else {
            items.append(item)
        }
    }

    func next(timeout: Duration) async -> Received? {
        if !items.isEmpty { return items.removeFirst() }
        nextWaiter += 1
        let id = nextWaiter
        return await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: UInt64) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

/// Connects to `url`, runs `body` with the client, then closes the connection.
///
/// - Parameter headers: extra upgrade headers, such as `Authorization: Bearer …`.
public func withClient<T: Sendable>(
    _ url: String, headers: HTTPFields = [:], _ body: (TestClient) async throws -> T
) async throws -> T {
    let mailbox = Mailbox()
    let (ready, readyContinuation) = AsyncStream.makeStream(of: WebSocketOutboundWriter.self)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { readyContinuation.finish() }
            do {
                let close = try await WebSocketClient.connect(
                    url: url,
                    configuration: .init(maxFrameSize: 1 << 24, additionalHeaders: headers),
                    logger: quietLogger
                ) { inbound, outbound, _ in
                    readyContinuation.yield(outbound)
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        if case .text(let text) = message { await mailbox.push(.text(text)) }
                    }
                }
                await mailbox.push(.closed(close.map { UInt16(clamping: closeCodeNumber($0.closeCode)) }))
            } catch {
                await mailbox.push(.closed(nil))
                throw error
            }
        }
        var iterator = ready.makeAsyncIterator()
        guard let outbound = await iterator.next() else {
            try await group.next()
            throw TestFailure("could not connect to \(url)")
        }
        let client = TestClient(outbound: outbound, mailbox: mailbox)
        do {
            let result = try await body(client)
            await client.close()
            try? await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// The numeric value of a close code.
public func closeCodeNumber(_ code: WebSocketErrorCode) -> Int {
    var buffer = ByteBuffer()
    buffer.write(webSocketErrorCode: code)
    return Int(buffer.readInteger(as: UInt16.self) ?? 0)
}
