import Foundation
public import SwarmStore

#if canImport(Glibc)
    import Glibc
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

    /// Runs a program to its end; its output goes to a file, not a pipe (a server it starts in the
    /// background would hold a pipe open). posix_spawn and waitpid rather than Foundation's
    /// `Process`, whose exit notification was seen to miss a script that starts a daemon. The child
    /// inherits no descriptor but its standard ones (a server it starts would otherwise hold the
    /// test's sockets, and PostgreSQL refuses to start with too few free), and the waiting happens
    /// on a thread of its own (``onOwnThread(_:)``).
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await onOwnThread { try runBlocking(executable, arguments) }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String]) throws -> (
        status: Int32, output: String
    ) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeFrom(3, in: &actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestFailure("waitpid \(executable): errno \(errno)") }
        }
        let data = (try? Data(contentsOf: output)) ?? Data()
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: data, as: UTF8.self))
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), which Swift's Glibc module does not
    /// show (it needs `_GNU_SOURCE`), looked up at run time.
    private static func closeFrom(_ first: Int32, in actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, first)
    }
}
