import Logging
import Prometheus

/// The metrics registry of one service instance and the process-wide logging bootstrap.
///
/// Components take the ``registry`` explicitly, so several instances in one
/// process (the tests) keep separate figures; `/metrics` renders it. Every
/// metric is made on the registry with its `# HELP` text, a counter's name ends
/// in `_total` and durations are in seconds, so `promtool check metrics` has
/// nothing to say. Nothing is bootstrapped into swift-metrics' global
/// `MetricsSystem`: a metric without help text cannot reach `/metrics` that way.
public struct Telemetry: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// The buckets of every duration histogram: 1 ms to 10 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {
        registry = PrometheusCollectorRegistry()
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Sets up logging once, in `main`.
    public static func bootstrapProcess(service: String, level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: format, level: level)
            handler[metadataKey: "service"] = "\(service)"
            return handler
        }
    }
}
