import Foundation
import Subprocess
public import SwarmStore

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

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
        try await psql(url, "CREATE DATABASE \(name)")
        do {
            let result = try await body(server.with(database: name))
            try? await psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await psql(url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one SQL command with `psql` against `url`.
    public static func psql(_ url: String, _ sql: String) async throws {
        let result = try await run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        guard result.status == 0 else { throw TestFailure("psql \(sql): \(result.output)") }
    }

    /// A private cluster (for tests that stop the server): initialised in a new folder, started,
    /// given to `body` as (URL, folder), destroyed afterwards.
    public static func withPrivateCluster<T: Sendable>(_ body: (String, String) async throws -> T) async throws -> T {
        guard let control else { throw TestFailure("SWARM_TEST_POSTGRES_CTL is not set") }
        let folder = "/tmp/swarm-postgres-private-\(UUID().uuidString.prefix(8))"
        let initialised = try await run(control, ["init", folder])
        guard initialised.status == 0 else { throw TestFailure("postgres.sh init: \(initialised.output)") }
        let url = initialised.output.split(separator: "\n").last.map(String.init) ?? ""
        do {
            let result = try await body(url, folder)
            _ = try? await run(control, ["destroy", folder])
            return result
        } catch {
            _ = try? await run(control, ["destroy", folder])
            throw error
        }
    }

    /// Stops (`stop`) or starts (`start`) the private cluster in `folder`.
    public static func cluster(_ verb: String, _ folder: String) async throws {
        guard let control else { throw TestFailure("SWARM_TEST_POSTGRES_CTL is not set") }
        let result = try await run(control, [verb, folder])
        guard result.status == 0 else { throw TestFailure("postgres.sh \(verb): \(result.output)") }
    }

    /// Runs a program to its end (`psql`, or `postgres.sh`, which starts and stops servers); standard
    /// output and error go to a file, not a pipe (a server it starts in the background keeps what it
    /// inherited open), which is read afterwards. Through swift-subprocess: it waits for this child's
    /// own exit (a pidfd), not for the file to close, and the child inherits no descriptor but its
    /// standard ones (a server it starts would otherwise hold the test's sockets, and PostgreSQL
    /// refuses to start with too few free).
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let file = try FileDescriptor.open(
            FilePath(output.path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let result = try await Subprocess.run(
            executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            output: .fileDescriptor(file, closeAfterSpawningProcess: true), error: .combinedWithOutput)
        let data = (try? Data(contentsOf: output)) ?? Data()
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return (status, String(decoding: data, as: UTF8.self))
    }
}
