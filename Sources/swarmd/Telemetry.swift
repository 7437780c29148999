import Logging
import Metrics
import Prometheus
import SwarmConfiguration
import SwarmHub

/// How `swarmd serve` tells operators what happens: the log's format, and the one Prometheus
/// registry (docs/operations.md, "Logs" and "Prometheus metrics").
enum Telemetry {
    /// Sends every logger of the process to standard error in `format`, at `level`.
    static func bootstrapLogging(level: Logger.Level, format: ServeSettings.LogFormat) {
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
    static func bootstrapMetrics() -> HubTelemetry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return HubTelemetry(registry: registry)
    }
}
