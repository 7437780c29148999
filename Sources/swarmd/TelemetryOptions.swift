import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SwarmHub

/// What `swarmd serve` tells operators: the log's format, and where and to whom `GET /metrics`
/// (Prometheus) answers (docs/operations.md, "Logs" and "Prometheus metrics").
struct TelemetryOptions: ParsableArguments {
    /// How log lines are written.
    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        /// swift-log's text lines.
        case text
        /// One JSON object per line (``JSONLogHandler``).
        case json
    }

    @Option(
        help: ArgumentHelp("Log line format on standard error: text or json (one object a line).", valueName: "format"))
    var logFormat = LogFormat.text

    @Option(
        help: ArgumentHelp(
            "Serve GET /metrics (Prometheus) on this address of its own instead of the main port.",
            valueName: "host:port"))
    var metricsAddress: String?

    @Option(
        help: ArgumentHelp(
            "A file whose one line is the token GET /metrics then requires as 'Authorization: Bearer' (default: none).",
            valueName: "file"))
    var metricsTokenFile: String?

    func validate() throws {
        if let metricsAddress {
            do {
                _ = try ListenAddress(parsing: metricsAddress)
            } catch {
                throw ValidationError("--metrics-address: \(error.message)")
            }
        }
        if metricsTokenFile != nil { _ = try metricsToken() }
    }

    /// The address of the metrics listener, if it has one of its own; call after `validate()`.
    var listenAddress: ListenAddress? { metricsAddress.flatMap { try? ListenAddress(parsing: $0) } }

    /// The token in `--metrics-token-file`: its first line, without surrounding white space.
    func metricsToken() throws -> String? {
        guard let path = metricsTokenFile else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("--metrics-token-file: cannot read \(path): \(error.localizedDescription)")
        }
        let token = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let token, !token.isEmpty else {
            throw ValidationError("--metrics-token-file: \(path) is empty; write the token on its first line")
        }
        guard token.count >= 16, token.count <= 512, token.allSatisfy(\.isPrintableASCII)
        else {
            throw ValidationError(
                "--metrics-token-file: the token in \(path) must be 16 to 512 printable ASCII characters without spaces"
            )
        }
        return token
    }

    /// Sends every logger of the process to standard error in the chosen format, at `level`.
    func bootstrapLogging(level: Logger.Level) {
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    /// Makes the process's one Prometheus registry: the global metrics system (what libraries record)
    /// and the hub's own figures both land in it, and `GET /metrics` emits it.
    func bootstrapMetrics() -> HubTelemetry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return HubTelemetry(registry: registry)
    }
}

extension Character {
    /// A visible ASCII character (`!` to `~`).
    fileprivate var isPrintableASCII: Bool {
        guard let value = asciiValue else { return false }
        return (0x21...0x7E).contains(value)
    }
}
