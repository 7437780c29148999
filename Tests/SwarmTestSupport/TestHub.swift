public import Foundation
import Hummingbird
public import Logging
import ServiceLifecycle
public import SwarmConfiguration
public import SwarmHub
public import SwarmProtocol
public import SwarmStore

/// A hub running in this process on a free port, on a real SQLite file in a temporary folder.
public struct TestHub: Sendable {
    public let port: Int
    /// The running hub's parts, for a test to look at or drive (its ledger, timers, telemetry, store).
    let hub: Hub
    public let databasePath: String

    /// `ws://127.0.0.1:PORT/v1/ws`.
    public var url: String { "ws://127.0.0.1:\(port)\(ProtocolInfo.webSocketPath)" }
    /// `http://127.0.0.1:PORT`.
    public var httpBase: String { "http://127.0.0.1:\(port)" }
    public var store: any EventStore { hub.store }
    /// The hub's ledger: its state and `seq`, and a way to submit commands without a client.
    public var ledger: Ledger { hub.ledger }
    /// The hub's timers, to fire deadlines without waiting.
    public var timers: Timers { hub.timers }
    /// The hub's own registry of figures.
    public var telemetry: HubTelemetry { hub.telemetry }

    /// Creates a token and returns its secret.
    public func token(_ name: String, _ role: Role = .agent) async throws -> String {
        try await store.createToken(name: name, role: role, at: systemClock()).1
    }
}

/// A fresh temporary folder for one test.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A logger that only prints warnings and worse, so test output stays readable.
public let quietLogger: Logger = {
    var logger = Logger(label: "swarm.test")
    logger.logLevel = .warning
    return logger
}()

/// Runs a hub for the duration of `body`, then shuts it down gracefully.
///
/// - Parameters:
///   - databasePath: reuse a database file (to test restarts); a new temporary one by default.
///   - configure: changes to the default configuration (the port is always 0).
public func withHub<T: Sendable>(
    databasePath: String? = nil,
    clock: @escaping HubClock = systemClock,
    configure: (inout HubConfiguration) -> Void = { _ in },
    _ body: (TestHub) async throws -> T
) async throws -> T {
    let path = try databasePath ?? temporaryDirectory().appendingPathComponent("swarm.sqlite").path
    var configuration = HubConfiguration()
    configure(&configuration)
    configuration.host = "127.0.0.1"
    configuration.port = 0
    let store = try SQLiteEventStore(path: path)
    return try await withHub(store: store, databasePath: path, configuration: configuration, clock: clock, body)
}

/// Runs a hub on port 0 over a PostgreSQL database of its own (created for it, dropped afterwards),
/// as one node of a cluster would run; `body` gets it.
public func withPostgresHub<T: Sendable>(
    clock: @escaping HubClock = systemClock,
    configure: (inout HubConfiguration) -> Void = { _ in },
    _ body: (TestHub) async throws -> T
) async throws -> T {
    var configuration = HubConfiguration()
    configure(&configuration)
    configuration.host = "127.0.0.1"
    configuration.port = 0
    return try await PostgresTestDatabase.with { location in
        try await PostgresEventStore.withStore(location, logger: quietLogger) { store in
            try await withHub(
                store: store, databasePath: location.redacted, configuration: configuration, clock: clock, body)
        }
    }
}

/// Runs a hub on port 0 over `store`.
func withHub<T: Sendable>(
    store: any EventStore, databasePath path: String, configuration: HubConfiguration, clock: @escaping HubClock,
    _ body: (TestHub) async throws -> T
) async throws -> T {
    let hub = try await Hub(store: store, configuration: configuration, clock: clock, logger: quietLogger)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = hub.application { port in portContinuation.yield(port) }
    let group = ServiceGroup(services: [app], logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the hub did not start") }
        do {
            let result = try await body(TestHub(port: port, hub: hub, databasePath: path))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// A failure of the test harness itself.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
