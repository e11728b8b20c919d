import Logging
import Metrics
import Prometheus

/// The metrics registry of one service instance and the process-wide bootstrap.
///
/// Components take the ``metricsFactory`` explicitly, so several instances in
/// one process (the tests) keep separate figures; `/metrics` renders ``registry``.
public struct Telemetry: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let metricsFactory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        metricsFactory = factory
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Sets up logging and the global metrics system once, in `main`.
    public static func bootstrapProcess(service: String, level: Logger.Level, format: LogFormat, telemetry: Telemetry) {
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: format, level: level)
            handler[metadataKey: "service"] = "\(service)"
            return handler
        }
        MetricsSystem.bootstrap(telemetry.metricsFactory)
    }
}
