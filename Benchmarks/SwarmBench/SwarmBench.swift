import ArgumentParser
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import SwarmConfiguration
import SwarmHub
import SwarmProtocol
import SwarmStore
import Synchronization

/// `swarm-bench`: measures a hub on this machine over loopback WebSockets.
///
/// Not a test: it reports numbers (docs/performance.md), it asserts nothing about speed.
@main
struct SwarmBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm-bench",
        abstract: "Measure durable commands and events delivered per second, or the matcher's ranking time.",
        discussion: """
            Starts a hub in this process on a temporary SQLite file (WAL, synchronous=FULL) and drives it
            with real WebSocket clients on loopback. Build in release mode:
              swift run -c release swarm-bench
              swift run -c release swarm-bench --ranking      # rank among 10,000 agents over 500 tags
              swift run -c release swarm-bench --metrics --tickets 100000   # fold a log, time reports
            """
    )

    @Option(help: "Connections that send commands in the throughput run.")
    var writers = 50

    @Option(help: "Commands each writer keeps in flight (pipelining window).")
    var window = 16

    @Option(help: "Commands in the throughput run.")
    var commands = 20_000

    @Option(help: "Subscribers in the fan-out run.")
    var subscribers = 100

    @Option(help: "Events published in the fan-out run.")
    var events = 2_000

    @Option(help: "Database file (default: a new temporary file).")
    var db: String?

    @Flag(help: "Run only the matcher benchmark: rank tickets among --agents agents over --tags tags.")
    var ranking = false

    @Flag(help: "Run only the metrics benchmark: fold --tickets synthetic tickets and time reports.")
    var metrics = false

    @Option(help: "Agents in the ranking run.")
    var agents = 10_000

    @Option(help: "Skill tags in the ranking run.")
    var tags = 500

    @Option(help: "Tickets ranked in the ranking run (tickets in the log of the metrics run).")
    var tickets = 2_000

    @Option(help: "Seed of the ranking run's generator (same seed, same workload).")
    var seed: UInt64 = 42

    func run() async throws {
        if metrics {
            MetricsBench.run(tickets: tickets, seed: seed)
            return
        }
        if ranking {
            try RankingBench.run(agents: agents, tags: tags, tickets: tickets, seed: seed)
            return
        }
        var logger = Logger(label: "swarm.bench")
        logger.logLevel = .warning
        let path =
            db
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("swarm-bench-\(UUID().uuidString).sqlite")
            .path
        let store = try SQLiteEventStore(path: path)
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.commandRate = 1_000_000
        configuration.principalRate = 1_000_000
        configuration.principalBurst = 2_000_000
        configuration.connectionsPerToken = 1_000_000
        configuration.commandBurst = 1_000_000
        configuration.outboundQueueLimit = 1_000_000
        let hub = try await Hub(store: store, configuration: configuration, logger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = hub.application { portContinuation.yield($0) }
        let group = ServiceGroup(services: [app], logger: logger)
        let token = try await store.createToken(name: "bench", role: .lead, at: systemClock()).1
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next()!
            let url = "ws://127.0.0.1:\(port)/v1/ws"
            print("hub on \(url), database \(path)")
            print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")

            try await throughput(url: url, token: token, logger: logger)
            try await fanOut(url: url, token: token, logger: logger)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// `writers` connections each keep `window` comment.add commands in flight until `commands`
    /// acks have come back; every ack means the command's event is committed (fsync'd).
    func throughput(url: String, token: String, logger: Logger) async throws {
        let perWriter = commands / writers
        let window = self.window
        let latencies = Shared<[Double]>([])
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    try await WebSocketClient.connect(
                        url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger
                    ) {
                        inbound, outbound, _ in
                        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                        try await Self.hello(token, outbound, &messages)
                        try await outbound.write(.text(Self.openFrame(id: "o")))
                        let ticket = try await Self.ticketID(from: messages.next())
                        var sent: [ContinuousClock.Instant] = []
                        var acked = 0
                        var mine: [Double] = []
                        func send(_ i: Int) async throws {
                            sent.append(.now)
                            try await outbound.write(
                                .text(
                                    #"{"type":"comment.add","id":"c\#(i)","ticket":"\#(ticket)","body":"benchmark comment \#(w)-\#(i)"}"#
                                ))
                        }
                        for i in 0..<min(window, perWriter) { try await send(i) }
                        while acked < perWriter, let message = try await messages.next() {
                            guard case .text(let text) = message, text.hasPrefix(#"{"id":"c"#) else { continue }
                            mine.append(sent[acked].duration(to: .now).seconds)
                            acked += 1
                            if sent.count < perWriter { try await send(sent.count) }
                        }
                        latencies.update { $0 += mine }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = start.duration(to: .now).seconds
        let sorted = latencies.value.sorted()
        let total = sorted.count
        print(
            String(
                format:
                    "durable commands: %d in %.2f s = %.0f commands/s (%d connections, window %d); ack latency p50 %.1f ms, p99 %.1f ms",
                total, elapsed, Double(total) / elapsed, writers, window,
                sorted[total / 2] * 1000, sorted[min(total - 1, total * 99 / 100)] * 1000))
    }

    /// `subscribers` connections subscribe to one ticket; one writer adds `events` comments; the
    /// clock stops when every subscriber has received every event.
    func fanOut(url: String, token: String, logger: Logger) async throws {
        // One ticket for the run, opened by a short-lived connection.
        let ticket: String = try await {
            let result = Shared("")
            try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await Self.hello(token, outbound, &messages)
                try await outbound.write(.text(Self.openFrame(id: "o")))
                let id = try await Self.ticketID(from: messages.next())
                result.update { $0 = id }
                try await outbound.close(.normalClosure, reason: nil)
            }
            return result.value
        }()
        let ready = AsyncStream.makeStream(of: Void.self)
        let done = Shared(ContinuousClock.Instant?.none)
        let delivered = Shared(0)
        let target = events
        let subscribers = self.subscribers
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<subscribers {
                group.addTask {
                    try await WebSocketClient.connect(
                        url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger
                    ) {
                        inbound, outbound, _ in
                        var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                        try await Self.hello(token, outbound, &messages)
                        try await outbound.write(
                            .text(#"{"type":"subscribe","id":"s","channels":["ticket:\#(ticket)"]}"#))
                        _ = try await messages.next()
                        ready.continuation.yield()
                        var count = 0
                        while count < target, let message = try await messages.next() {
                            if case .text(let text) = message, text.hasPrefix(#"{"channel":"#) { count += 1 }
                        }
                        delivered.update { $0 += count }
                        done.update { $0 = .now }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                }
            }
            var readiness = ready.stream.makeAsyncIterator()
            for _ in 0..<subscribers { _ = await readiness.next() }
            let start = ContinuousClock.now
            group.addTask {
                try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                    var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    try await Self.hello(token, outbound, &messages)
                    var acked = 0
                    var sent = 0
                    while sent < min(32, target) {
                        try await outbound.write(
                            .text(
                                #"{"type":"comment.add","id":"f\#(sent)","ticket":"\#(ticket)","body":"fan-out \#(sent)"}"#
                            ))
                        sent += 1
                    }
                    while acked < target, let message = try await messages.next() {
                        guard case .text(let text) = message, text.hasPrefix(#"{"id":"f"#) else { continue }
                        acked += 1
                        if sent < target {
                            try await outbound.write(
                                .text(
                                    #"{"type":"comment.add","id":"f\#(sent)","ticket":"\#(ticket)","body":"fan-out \#(sent)"}"#
                                ))
                            sent += 1
                        }
                    }
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
            try await group.waitForAll()
            let end = done.value ?? .now
            let elapsed = start.duration(to: end).seconds
            let total = delivered.value
            print(
                String(
                    format: "fan-out: %d events × %d subscribers = %d deliveries in %.2f s = %.0f events delivered/s",
                    target, subscribers, total, elapsed, Double(total) / elapsed))
        }
    }

    /// Authenticates a benchmark connection and reads the welcome.
    static func hello(
        _ token: String, _ outbound: WebSocketOutboundWriter,
        _ messages: inout WebSocketInboundMessageStream.AsyncIterator
    ) async throws {
        try await outbound.write(.text(#"{"type":"hello","id":"h","token":"\#(token)"}"#))
        _ = try await messages.next()
    }

    static func openFrame(id: String) -> String {
        #"{"type":"ticket.open","id":"\#(id)","title":"benchmark","description":"","category":"other","urgency":"low","impact":"low"}"#
    }

    static func ticketID(from message: WebSocketMessage?) throws -> String {
        guard case .text(let text) = message, let range = text.range(of: #""ticket":""#) else {
            throw ValidationError("unexpected reply to ticket.open: \(String(describing: message))")
        }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A value several tasks update, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}
