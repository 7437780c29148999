import Foundation
import NIOCore
import NIOEmbedded
import SwarmConfiguration
import SwarmCore
import SwarmProtocol
import SwarmStore
import SwarmTestSupport
import Testing

@testable import SwarmHub

/// A ``Session`` given its dependencies explicitly — an in-memory store, a ledger over it, fan-out,
/// the limits — and a test channel instead of a socket. Its decisions (sign-in, what a subscribe may
/// have, the rate limit) need no network; the live tests keep what does (upgrades, slow readers,
/// resumes across a restart).
@Suite("A session's decisions, no socket")
struct SessionTests {
    /// A session and what it was made with; frames it sends are read off the test channel.
    struct Harness {
        let session: Session
        let channel: NIOAsyncTestingChannel
        let dependencies: SessionDependencies
        let store: SQLiteEventStore

        /// Hands the session one text frame.
        func send(_ text: String) async { await session.handle(text) }

        /// The frames the session has written since the last call.
        func frames() async throws -> [ServerFrame] {
            var frames: [ServerFrame] = []
            while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                // A server frame's header: 2 bytes, then 2 or 8 more for a long payload (WireFrame).
                let length = Int(buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)! & 0x7F)
                buffer.moveReaderIndex(forwardBy: length == 127 ? 10 : length == 126 ? 4 : 2)
                frames.append(try JSONDecoder().decode(ServerFrame.self, from: Data(buffer.readableBytesView)))
            }
            return frames
        }

        /// The one frame written since the last call.
        func frame() async throws -> ServerFrame {
            let frames = try await frames()
            try #require(frames.count == 1, "\(frames)")
            return frames[0]
        }

        /// The code of the one frame written since the last call, if it is an error for `id`.
        func error(_ id: String) async throws -> ErrorCode? {
            guard case .error(let error) = try await frame(), error.id == id else { return nil }
            return error.code
        }
    }

    /// Runs `body` with a session over a new in-memory store, the ledger's writer running (an agent's
    /// sign-in commits `presence.changed` before its welcome).
    func withSession(
        configure: (inout SessionConfiguration) -> Void = { _ in },
        _ body: (Harness) async throws -> Void
    ) async throws {
        let store = try SQLiteEventStore.inMemory()
        let hub = HubConfiguration()
        let telemetry = HubTelemetry()
        let fanOut = FanOut()
        let ledger = try await Ledger(
            store: store, fanOut: fanOut, configuration: hub, logger: quietLogger, telemetry: telemetry)
        var configuration = SessionConfiguration(hub, followsSharedLog: false)
        configure(&configuration)
        let dependencies = SessionDependencies(
            store: store, epoch: try await store.epoch(), ledger: ledger, fanOut: fanOut,
            limits: PrincipalLimits(
                configuration: .init(
                    connectionsPerToken: hub.connectionsPerToken, rate: hub.principalRate, burst: hub.principalBurst,
                    requesterBytesPerHour: hub.requesterBytesPerHour,
                    requesterBytesPerTicket: hub.requesterBytesPerTicket),
                telemetry: telemetry),
            tokenWatch: TokenWatch(store: store, poll: hub.revocationPoll),
            presence: PresenceTracker(ledger: ledger, grace: hub.presenceGrace),
            metricsFeed: MetricsFeed(ledger: ledger, fanOut: fanOut, clock: systemClock, interval: hub.metricsInterval),
            telemetry: telemetry, clock: systemClock, configuration: configuration)
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
        let outbox = Outbox(
            channel: channel, limits: .init(frames: hub.outboundQueueLimit, bytes: hub.outboundQueueBytes),
            closeGrace: hub.closeGrace)
        let session = Session(dependencies: dependencies, outbox: outbox, log: ConnectionLog(quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { writer in
            writer.addTask { try await ledger.run() }
            defer { writer.cancelAll() }
            try await body(Harness(session: session, channel: channel, dependencies: dependencies, store: store))
        }
    }

    @Test("before hello only hello and ping are answered; an unknown token is refused, a known one welcomed once")
    func signIn() async throws {
        try await withSession { harness in
            await harness.send(#"{"type":"subscribe","id":"s1","channels":["kb"]}"#)
            #expect(try await harness.error("s1") == .unauthorized)
            await harness.send(#"{"type":"ping","id":"p1"}"#)
            #expect(try await harness.frame() == .pong(Pong(id: "p1")))
            await harness.send(#"{"type":"hello","id":"h1","token":"not-a-token"}"#)
            #expect(try await harness.error("h1") == .unauthorized)
            #expect(harness.session.principal == nil)

            let (_, secret) = try await harness.store.createToken(name: "alice", role: .agent, at: systemClock())
            await harness.send(#"{"type":"hello","id":"h2","token":"\#(secret)"}"#)
            guard case .welcome(let welcome) = try await harness.frame() else {
                Issue.record("no welcome")
                return
            }
            #expect(welcome.id == "h2" && welcome.agent == "alice" && welcome.role == .agent)
            #expect(welcome.epoch == harness.dependencies.epoch)
            // Her coming online committed before the welcome, so its seq includes it.
            #expect(welcome.seq == harness.dependencies.ledger.snapshot.seq && welcome.seq == 1)
            await harness.send(#"{"type":"hello","id":"h3","token":"\#(secret)"}"#)
            #expect(try await harness.error("h3") == .conflict)
        }
    }

    @Test("a subscribe that may not be had is refused whole and subscribes nothing; the limit counts new channels")
    func subscribeRefusals() async throws {
        try await withSession(configure: { $0.maxSubscriptions = 2 }) { harness in
            let (info, _) = try await harness.store.createToken(name: "alice", role: .agent, at: systemClock())
            await harness.session.authenticate(token: info)
            _ = try await harness.frames()
            let refusals: [(String, ErrorCode)] = [
                (#""channels":["kb","bogus"]"#, .invalidField),
                (#""channels":[]"#, .invalidField),
                (#""channels":["kb","dispatch","backlog"]"#, .tooLarge),
                (#""channels":["kb"],"since":-1"#, .invalidField),
                (#""channels":["kb"],"epoch":"another-log""#, .epochChanged),
                (#""channels":["kb"],"since":99"#, .epochChanged),
                (#""channels":["kb","agents"]"#, .forbidden),
                (#""channels":["kb","agent:bob"]"#, .forbidden),
                (#""channels":["skill:no.such.tag"]"#, .invalidField),
            ]
            for (index, (fields, code)) in refusals.enumerated() {
                await harness.send(#"{"type":"subscribe","id":"r\#(index)",\#(fields)}"#)
                #expect(try await harness.error("r\(index)") == code, "\(fields)")
            }
            let fanOut = harness.dependencies.fanOut
            let connection = harness.session.connectionID
            #expect(fanOut.channels(of: connection).isEmpty)

            await harness.send(#"{"type":"subscribe","id":"ok","channels":["kb","dispatch"]}"#)
            guard case .ack(let ack) = try await harness.frame() else {
                Issue.record("no ack")
                return
            }
            #expect(ack.id == "ok" && ack.seq == harness.dependencies.ledger.snapshot.seq)
            #expect(ack.epoch == harness.dependencies.epoch)
            #expect(fanOut.channels(of: connection) == ["kb", "dispatch"])
            // Channels it has already do not count again; a third one does.
            await harness.send(#"{"type":"subscribe","id":"again","channels":["kb"]}"#)
            guard case .ack = try await harness.frame() else {
                Issue.record("no ack for a channel it had")
                return
            }
            await harness.send(#"{"type":"subscribe","id":"third","channels":["backlog"]}"#)
            #expect(try await harness.error("third") == .tooLarge)

            harness.session.end()
            #expect(fanOut.channels(of: connection).isEmpty)
        }
    }

    @Test("a requester is welcomed without coming online and may not watch staff channels, only her own")
    func requester() async throws {
        try await withSession { harness in
            let (info, _) = try await harness.store.createToken(name: "rita", role: .requester, at: systemClock())
            await harness.session.authenticate(token: info)
            guard case .welcome(let welcome) = try await harness.frame() else {
                Issue.record("no welcome")
                return
            }
            #expect(welcome.role == .requester && welcome.seq == 0, "no presence event for a requester")
            for channel in ["dispatch", "backlog", "queue:hardware", "kb", "agent:alice"] {
                await harness.send(#"{"type":"subscribe","id":"s","channels":["\#(channel)"]}"#)
                #expect(try await harness.error("s") == .forbidden, "\(channel)")
            }
            await harness.send(#"{"type":"subscribe","id":"own","channels":["agent:rita"]}"#)
            guard case .ack = try await harness.frame() else {
                Issue.record("her own channel refused")
                return
            }
        }
    }

    @Test("a connection over its command rate is refused, and closed as a flood when it keeps on")
    func rateLimit() async throws {
        // One frame, then a token every 1000 s: the second frame is refused however slow the machine.
        let strict: (inout SessionConfiguration) -> Void = { configuration in
            configuration.commandRate = 0.001
            configuration.commandBurst = 1
            configuration.floodCloseAfter = 3
        }
        try await withSession(configure: strict) { harness throws in
            await harness.send(#"{"type":"ping","id":"1"}"#)
            #expect(try await harness.frame() == .pong(Pong(id: "1")))
            await harness.send(#"{"type":"ping","id":"2"}"#)
            #expect(try await harness.error("2") == .rateLimited)
            #expect(!harness.session.outbox.isClosing)
            // More than three refusals without a 1 s pause close it; a pause on a loaded machine only
            // restarts the count, so it keeps sending until then (a handful of frames when nothing stalls).
            var sent = 0
            while !harness.session.outbox.isClosing, sent < 100 {
                await harness.send(#"{"type":"ping","id":"more"}"#)
                sent += 1
            }
            #expect(harness.session.outbox.isClosing, "closed with 4029 after three refusals without a pause")
            #expect(sent >= 3, "not before the fourth refusal in a row")
        }
    }
}
