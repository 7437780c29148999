public import Foundation
public import SwarmStore

/// The PostgreSQL server of the test run, when there is one: `scripts/test` starts a throwaway
/// cluster (scripts/lib/postgres.sh) and exports `SWARM_TEST_POSTGRES_URL`; tests that need it are
/// enabled only then. Each test gets a database of its own, so tests run in parallel.
public enum PostgresTestDatabase {
    /// The server's URL (its `postgres` database), from `SWARM_TEST_POSTGRES_URL`.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["SWARM_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether a PostgreSQL server is there for the tests.
    public static var isAvailable: Bool { serverURL != nil }

    /// `scripts/lib/postgres.sh`, which stops and starts a cluster (`SWARM_TEST_POSTGRES_CTL`).
    public static var control: String? { ProcessInfo.processInfo.environment["SWARM_TEST_POSTGRES_CTL"] }

    /// Creates an empty database, runs `body` with its location, and drops it afterwards.
    public static func with<T: Sendable>(
        serverURL: String? = nil, _ body: (PostgresLocation) async throws -> T
    ) async throws -> T {
        guard let url = serverURL ?? Self.serverURL else { throw TestFailure("SWARM_TEST_POSTGRES_URL is not set") }
        let server = try PostgresLocation(url: url)
        let name = "swarm_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try psql(url, "CREATE DATABASE \(name)")
        do {
            let result = try await body(server.with(database: name))
            try? psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one SQL command with `psql` against `url`.
    public static func psql(_ url: String, _ sql: String) throws {
        let result = try run("/usr/bin/env", ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        guard result.status == 0 else { throw TestFailure("psql \(sql): \(result.output)") }
    }

    /// A private cluster (for tests that stop the server): initialised in a new folder, started,
    /// given to `body` as (URL, folder), destroyed afterwards.
    public static func withPrivateCluster<T: Sendable>(_ body: (String, String) async throws -> T) async throws -> T {
        guard let control else { throw TestFailure("SWARM_TEST_POSTGRES_CTL is not set") }
        let folder = "/tmp/swarm-postgres-private-\(UUID().uuidString.prefix(8))"
        let initialised = try run(control, ["init", folder])
        guard initialised.status == 0 else { throw TestFailure("postgres.sh init: \(initialised.output)") }
        let url = initialised.output.split(separator: "\n").last.map(String.init) ?? ""
        defer { _ = try? run(control, ["destroy", folder]) }
        return try await body(url, folder)
    }

    /// Stops (`stop`) or starts (`start`) the private cluster in `folder`.
    public static func cluster(_ verb: String, _ folder: String) throws {
        guard let control else { throw TestFailure("SWARM_TEST_POSTGRES_CTL is not set") }
        let result = try run(control, [verb, folder])
        guard result.status == 0 else { throw TestFailure("postgres.sh \(verb): \(result.output)") }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
