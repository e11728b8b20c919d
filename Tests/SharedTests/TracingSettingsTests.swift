import Events
import Foundation
import Logging
import Observability
import ServiceConfiguration
import Synchronization
import Testing
import Tracing

@Suite("tracing: OpenTelemetry's variables, trace ids in log lines")
struct TracingSettingsTests {
    @Test(arguments: [
        ([:], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"], true),
        (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://jaeger:4318/v1/traces"], true),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": ""], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318", "OTEL_TRACES_EXPORTER": "none"], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318", "OTEL_SDK_DISABLED": "true"], false),
        (["OTEL_TRACES_EXPORTER": "console"], true),
    ])
    func tracingIsOnOnlyWithAnEndpoint(_ environment: [String: String], _ enabled: Bool) throws {
        #expect(try TracingSettings.read(service: "user-service", environment: environment).enabled == enabled)
    }

    @Test func anUnknownExporterStopsTheProcess() {
        #expect(throws: ConfigurationError.self) {
            try TracingSettings.read(service: "user-service", environment: ["OTEL_TRACES_EXPORTER": "zipkin"])
        }
    }

    @Test func offTheTracerRecordsNothingAndNoContextIsWritten() throws {
        let telemetry = try Telemetry(tracing: TracingSettings.read(service: "user-service", environment: [:]), logger: Logger(label: "test"))
        #expect(!telemetry.isTracing)
        let span = telemetry.tracer.startSpan("PUT /users/{id}", context: .topLevel, ofKind: .server)
        defer { span.end() }
        #expect(telemetry.tracer.traceContext(of: span.context) == nil, "no traceparent is stored or sent")
    }

    @Test func aContinuedContextKeepsTheTraceAndNamesItsNewSpan() throws {
        // Not exporting anywhere: the tracer's exporter service is never run.
        let telemetry = try Telemetry(tracing: .exporting(to: "http://127.0.0.1:9", service: "test"), logger: Logger(label: "test"))
        let caller = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=x"))
        let span = telemetry.tracer.startSpan("send", context: telemetry.tracer.context(continuing: caller), ofKind: .producer)
        defer { span.end() }
        let continued = try #require(telemetry.tracer.traceContext(of: span.context))
        #expect(continued.traceID == caller.traceID)
        #expect(continued.parentSpanID != caller.parentSpanID, "the new span's id")
        #expect(continued.tracestate == "vendor=x")
    }

    @Test func aLogLineInsideASpanCarriesItsTraceAndSpanIDs() throws {
        let telemetry = try Telemetry(tracing: .exporting(to: "http://127.0.0.1:9", service: "test"), logger: Logger(label: "test"))
        let lines = Mutex<[String]>([])
        var handler = StructuredLogHandler(label: "test", format: .logfmt, level: .info) { line in lines.withLock { $0.append(line) } }
        handler.metadataProvider = Telemetry.traceMetadata
        let logger = Logger(label: "test", factory: { _ in handler })
        logger.info("outside")
        let span = telemetry.tracer.startSpan("work", context: .topLevel, ofKind: .internal)
        ServiceContext.$current.withValue(span.context) { logger.info("inside") }
        span.end()
        let context = try #require(telemetry.tracer.traceContext(of: span.context))
        let (outside, inside) = lines.withLock { ($0[0], $0[1]) }
        #expect(!outside.contains("trace_id="))
        #expect(inside.contains("trace_id=\(context.traceID)"), "\(inside)")
        #expect(inside.contains("span_id=\(context.parentSpanID)"), "\(inside)")
    }
}
