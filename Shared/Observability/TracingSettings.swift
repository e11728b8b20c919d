import Logging
import OTel
import ServiceConfiguration

/// Whether and where a process sends its spans, from OpenTelemetry's standard variables.
///
/// Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless `OTEL_TRACES_EXPORTER=none` or
/// `OTEL_SDK_DISABLED=true`; `OTEL_TRACES_EXPORTER=console` turns it on without an endpoint.
/// Off, the service's tracer is a no-op: no span is recorded, no context is written into
/// the outbox or the events, nothing is exported. The other variables (`OTEL_SERVICE_NAME`,
/// `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_EXPORTER_OTLP_HEADERS`,
/// `OTEL_BSP_*`, …) keep OpenTelemetry's meanings and defaults; swift-otel applies them when
/// the tracer is made. Only OTLP over HTTP is built in (`http/protobuf`, the default, or `http/json`).
public struct TracingSettings: Sendable {
    /// Whether the service makes and exports spans.
    public var enabled: Bool
    /// swift-otel's configuration before the environment's overrides: the service name
    /// (`OTEL_SERVICE_NAME` overrides it), logs and metrics off (they have their own paths).
    public var configuration: OTel.Configuration

    /// The variables that name an endpoint.
    static let endpointVariables = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", Settings.otelExporterEndpoint.name]

    /// Tracing off.
    public static func off(service: String) -> TracingSettings {
        TracingSettings(enabled: false, configuration: baseConfiguration(service: service))
    }

    /// Reads the switch from `environment` (the process's, in `main`).
    /// An `OTEL_TRACES_EXPORTER` other than `otlp`, `console` or `none` is an error.
    public static func read(service: String, environment: [String: String]) throws(ConfigurationError) -> TracingSettings {
        let reader = EnvironmentReader(environment)
        let exporter = reader.value(Settings.otelTracesExporter).lowercased()
        let disabled = reader.optionalString("OTEL_SDK_DISABLED")?.lowercased() == "true"
        guard ["otlp", "console", "none"].contains(exporter) else {
            throw ConfigurationError("OTEL_TRACES_EXPORTER must be otlp, console or none, not \"\(exporter)\"")
        }
        let hasEndpoint = endpointVariables.contains { reader.optionalString($0) != nil }
        let enabled = !disabled && (exporter == "console" || (exporter == "otlp" && hasEndpoint))
        return TracingSettings(enabled: enabled, configuration: baseConfiguration(service: service))
    }

    /// Tracing on, exporting to `endpoint` (a base URL: spans go to `<endpoint>/v1/traces`)
    /// as OTLP/HTTP JSON (what the tests' own OTLP receiver reads) or protobuf (the default
    /// of a service), every span sampled, batches sent every `exportDelay`.
    public static func exporting(
        to endpoint: String, service: String, exportDelay: Duration = .milliseconds(200), json: Bool = true
    ) -> TracingSettings {
        var configuration = baseConfiguration(service: service)
        configuration.traces.otlpExporter.endpoint = endpoint + "/v1/traces"
        configuration.traces.otlpExporter.protocol = json ? .httpJSON : .httpProtobuf
        configuration.traces.sampler = .alwaysOn
        configuration.traces.batchSpanProcessor.scheduleDelay = exportDelay
        return TracingSettings(enabled: true, configuration: configuration)
    }

    private static func baseConfiguration(service: String) -> OTel.Configuration {
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogLevel = .warning
        return configuration
    }
}
