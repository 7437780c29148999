import Foundation

/// A real clamd for the tests (scripts/lib/clamd.sh): ClamAV's daemon on a Unix socket in a temporary folder
/// and on a free TCP port of 127.0.0.1, with one signature, the EICAR test file's, so that it starts in a fraction of a second without a download.
/// Needs Debian's `clamav-daemon` (scripts/bootstrap-test). Each `with` starts its own, so tests run in
/// parallel and may give clamd different limits.
public enum ClamdHarness {
    /// The harness's script.
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib/clamd.sh").path
    }

    /// Whether clamd is installed.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/clamd") }

    /// The name clamd reports for the EICAR test file: the harness's signature, `.UNOFFICIAL` because it is not
    /// from ClamAV's own databases.
    public static let signature = "Swarm.Test.EICAR.UNOFFICIAL"

    /// The 68 bytes of the EICAR test file, which every virus scanner reports and which is harmless. Made from
    /// hex here (as in clamd.sh), so that a scanner on a developer's machine does not flag this source file.
    public static let eicar: [UInt8] = {
        let hex =
            "58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e54495649"
            + "5255532d544553542d46494c452124482b482a"
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }()

    /// A started clamd.
    public struct Environment: Sendable {
        /// The harness's folder: clamd.conf, clamd.log, the database in db/.
        public var folder: String
        /// The socket clamd listens on.
        public var socketPath: String { folder + "/clamd.sock" }
        /// The socket as a clamd address, `unix:/…/clamd.sock`.
        public var address: String { "unix:" + socketPath }
        /// clamd's TCP listener as a clamd address, `tcp://127.0.0.1:PORT`.
        public var tcpAddress: String {
            let port = (try? String(contentsOfFile: folder + "/tcp.port", encoding: .utf8)) ?? ""
            return "tcp://127.0.0.1:" + port.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Runs `scripts/lib/clamd.sh VERB FOLDER` (`stop`, `start`).
        public func control(_ verb: String) async throws {
            let result = try await PostgresTestDatabase.run("/bin/bash", [ClamdHarness.script, verb, folder])
            guard result.status == 0 else { throw TestFailure("clamd.sh \(verb): \(result.output)") }
        }

        /// clamd's log so far.
        public func log() -> String {
            (try? String(contentsOfFile: folder + "/clamd.log", encoding: .utf8)) ?? ""
        }
    }

    /// Starts a clamd — with `streamMaxLength` bytes as its `StreamMaxLength` when given, else clamd's
    /// default — runs `body` with it, and stops it and removes its folder afterwards however `body` ends.
    public static func with<T: Sendable>(
        streamMaxLength: Int? = nil, _ body: (Environment) async throws -> T
    ) async throws -> T {
        // Under /tmp (Debian's AppArmor profile for clamd allows it there) and short: a socket path is at most
        // 107 bytes.
        let folder = "/tmp/swarm-clamd-\(UUID().uuidString.prefix(8))"
        let started = try await PostgresTestDatabase.run(
            "/bin/bash", [script, "init", folder] + (streamMaxLength.map { [String($0)] } ?? []))
        guard started.status == 0 else {
            _ = try? await PostgresTestDatabase.run("/bin/bash", [script, "destroy", folder])
            throw TestFailure("clamd.sh init: \(started.output)")
        }
        let environment = Environment(folder: folder)
        do {
            let result = try await body(environment)
            _ = try? await PostgresTestDatabase.run("/bin/bash", [script, "destroy", folder])
            return result
        } catch {
            _ = try? await PostgresTestDatabase.run("/bin/bash", [script, "destroy", folder])
            throw error
        }
    }
}
