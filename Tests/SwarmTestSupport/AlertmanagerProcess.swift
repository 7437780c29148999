import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) on loopback, with a temporary
/// configuration and data folder, for end-to-end tests. Stopped (SIGTERM, then SIGKILL) by `stop()`
/// or when released.
public final class AlertmanagerProcess: Sendable {
    private let process: ChildProcess
    /// The port of its HTTP API.
    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public var base: String { "http://127.0.0.1:\(port)" }

    /// Where the binary is: `$ALERTMANAGER_BIN`, else `/usr/bin/prometheus-alertmanager`.
    public static var binary: String {
        ProcessInfo.processInfo.environment["ALERTMANAGER_BIN"] ?? "/usr/bin/prometheus-alertmanager"
    }

    /// Starts Alertmanager with the configuration `yaml` and waits until `/-/ready` answers.
    public init(configuration yaml: String) async throws {
        let folder = try temporaryDirectory()
        let config = folder.appendingPathComponent("alertmanager.yml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        port = try freePort()
        process = ChildProcess(
            Self.binary,
            [
                "--config.file=\(config.path)", "--storage.path=\(folder.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
            ])
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            guard process.isRunning else {
                let status = try await process.wait()
                throw TestFailure("alertmanager exited (\(status)): \(process.errors.value)")
            }
            guard ContinuousClock.now < deadline else { throw TestFailure("alertmanager did not become ready") }
            var request = URLRequest(url: URL(string: "\(base)/-/ready")!)
            request.timeoutInterval = 1
            if let (_, response) = try? await URLSession.shared.data(for: request),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// What Alertmanager printed on standard error (its log).
    public var log: String { process.errors.value }

    /// Posts alerts to its API v2 (`POST /api/v2/alerts`), as Prometheus does.
    public func post(alerts json: String) async throws {
        var request = URLRequest(url: URL(string: "\(base)/api/v2/alerts")!)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw TestFailure("alertmanager refused the alerts: \(String(decoding: data, as: UTF8.self))")
        }
    }

    /// Stops it and waits for it to exit.
    public func stop() async { await process.stop() }

    // Released while it runs, it is killed: ``ChildProcess`` does that when it is released.
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (bound to 0 and released).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw TestFailure("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestFailure("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
