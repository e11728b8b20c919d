import Logging
import OTel
import Prometheus
import ServiceLifecycle
import Tracing

/// The metrics registry and the tracer of one service instance, and the process-wide logging bootstrap.
///
/// Components take the ``registry`` explicitly, so several instances in one
/// process (the tests) keep separate figures; `/metrics` renders it. Every
/// metric is made on the registry with its `# HELP` text, a counter's name ends
/// in `_total` and durations are in seconds, so `promtool check metrics` has
/// nothing to say. Nothing is bootstrapped into swift-metrics' global
/// `MetricsSystem`: a metric without help text cannot reach `/metrics` that way.
///
/// The tracer is explicit too (nothing is bootstrapped into `InstrumentationSystem`): in
/// the tests, user-service and both consumers run in one process, each with its own
/// `service.name`. Off (``TracingSettings``), it is a no-op tracer and costs almost nothing.
public struct Telemetry: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Makes this instance's spans; a no-op tracer when tracing is off.
    public let tracer: any Tracer
    /// Exports ``tracer``'s spans; the application runs it first in its `ServiceGroup`, so
    /// that it stops last and sends what the others recorded. `nil` when tracing is off.
    public let tracingService: (any Service)?
    /// Whether ``tracer`` records anything (the per-event work is skipped when it does not).
    public var isTracing: Bool { tracingService != nil }

    /// The buckets of every duration histogram: 1 ms to 10 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// A registry, tracing off.
    public init() {
        registry = PrometheusCollectorRegistry()
        tracer = NoOpTracer()
        tracingService = nil
    }

    /// A registry and, when `tracing` is on, an OTLP tracer (swift-otel) with its exporter.
    /// Its own diagnostics (an unreachable collector, say) go to `logger`.
    public init(tracing: TracingSettings, logger: Logger) throws {
        registry = PrometheusCollectorRegistry()
        guard tracing.enabled else {
            tracer = NoOpTracer()
            tracingService = nil
            return
        }
        var configuration = tracing.configuration
        configuration.diagnosticLogger = .custom(logger)
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        self.tracer = tracer
        tracingService = service
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Sets up logging once, in `main`: each line inside a span carries its `trace_id` and `span_id`.
    public static func bootstrapProcess(service: String, level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap(
            { label, metadataProvider in
                var handler = StructuredLogHandler(label: label, format: format, level: level)
                handler.metadataProvider = metadataProvider
                handler[metadataKey: "service"] = "\(service)"
                return handler
            },
            metadataProvider: Self.traceMetadata
        )
    }

    /// `trace_id` and `span_id` of the span the code runs in (none outside spans).
    public static let traceMetadata = OTel.makeLoggingMetadataProvider()
}
