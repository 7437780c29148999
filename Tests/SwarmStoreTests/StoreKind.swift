import Foundation
import Logging
import SwarmStore
import SwarmTestSupport
import Testing

/// The stores the contract tests run against: SQLite always, PostgreSQL when the test run has a
/// server (`SWARM_TEST_POSTGRES_URL`, started by scripts/test).
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var available: [StoreKind] { PostgresTestDatabase.isAvailable ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }

    /// One database, opened as often as a test likes: a file, or a PostgreSQL database of its own.
    struct Location: Sendable {
        var kind: StoreKind
        var path: String?
        var postgres: PostgresLocation?

        /// Opens a store on the database, runs `body`, closes it.
        func open<T: Sendable>(_ body: (any EventStore) async throws -> T) async throws -> T {
            if let postgres {
                return try await PostgresEventStore.withStore(postgres, logger: storeLogger, body)
            }
            return try await body(try SQLiteEventStore(path: path!))
        }
    }

    /// A new, empty database of this kind for `body`; removed afterwards.
    func withLocation<T: Sendable>(_ body: (Location) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let path = try temporaryDirectory().appendingPathComponent("swarm.sqlite").path
            return try await body(Location(kind: self, path: path))
        case .postgres:
            return try await PostgresTestDatabase.with { location in
                try await body(Location(kind: self, postgres: location))
            }
        }
    }

    /// A new, empty store of this kind for `body`.
    func withStore<T: Sendable>(_ body: (any EventStore) async throws -> T) async throws -> T {
        if self == .sqlite { return try await body(try SQLiteEventStore.inMemory()) }
        return try await withLocation { location in try await location.open(body) }
    }
}

let storeLogger: Logger = {
    var logger = Logger(label: "swarm.test.store")
    logger.logLevel = .warning
    return logger
}()
