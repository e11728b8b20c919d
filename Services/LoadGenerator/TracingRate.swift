import ArgumentParser
import AsyncPrimitives
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import OTel
import Observability
import ServiceLifecycle
import Tracing

/// The raw cost of tracing a write on this machine: what user-service does per `PUT` with
/// tracing on — a server span (five attributes, named by its route) and a client span for the
/// statement inside it (three attributes) whose W3C context is taken for the outbox row —
/// through swift-otel, every span exported over OTLP/HTTP (protobuf) to `--endpoint` (the
/// bench's sink): the time to record them on one task, and the process's CPU time for
/// recording and exporting them; beside it, the same through the no-op tracer of tracing off.
struct TracingRate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracing-rate", abstract: "Traced writes per second (two spans each), swift-otel and the no-op tracer."
    )

    @Option var count = 100_000
    @Option(help: "The OTLP/HTTP base URL the spans are sent to.") var endpoint: String

    func run() async throws {
        let logger = Logger(label: "tracing-rate")
        var settings = TracingSettings.exporting(to: endpoint, service: "tracing-rate", exportDelay: .milliseconds(20), json: false)
        // Room for every span, exported in large batches, so that each one is also encoded and
        // sent (none dropped): the process's CPU time then covers recording and exporting.
        settings.configuration.traces.batchSpanProcessor.maxQueueSize = 2 * count + 1
        settings.configuration.traces.batchSpanProcessor.maxExportBatchSize = 8192
        let traced = try Telemetry(tracing: settings, logger: logger)
        let off = Telemetry()
        let clock = ContinuousClock()
        let count = self.count
        let noop = clock.measure { Self.writes(count, tracer: off.tracer) }
        let cpuBefore = Self.processCPUTime()
        let recording = try await withThrowingTaskGroup(of: Void.self) { group in
            if let service = traced.tracingService { group.addTask { try await service.run() } }
            let recording = clock.measure { Self.writes(count, tracer: traced.tracer) }
            // The exporter sends the queue in batches of 8,192 every 20 ms: 3 s is ample.
            try await Task.sleep(for: .seconds(3))
            group.cancelAll()
            try? await group.waitForAll()
            return recording
        }
        let cpu = Self.processCPUTime() - cpuBefore
        func perWrite(_ seconds: Double) -> Double { seconds * 1e6 / Double(count) }
        print(String(
            format: "writes=%d otel_record_us_per_write=%.1f otel_cpu_us_per_write=%.1f noop_us_per_write=%.2f",
            count, perWrite(recording.inSeconds), perWrite(cpu), perWrite(noop.inSeconds)
        ))
    }

    /// User and system CPU time of the process so far, in seconds.
    static func processCPUTime() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// `count` traced writes, as `RequestTracingMiddleware` and `UserStore.traced` make them.
    static func writes(_ count: Int, tracer: any Tracer) {
        var contexts = 0
        for index in 0..<count {
            let server = tracer.startSpan("PUT", context: .topLevel, ofKind: .server)
            let statement = tracer.startSpan("UPDATE users", context: server.context, ofKind: .client)
            statement.updateAttributes { attributes in
                attributes["db.system.name"] = "postgresql"
                attributes["db.operation.name"] = "UPDATE"
                attributes["db.collection.name"] = "users"
            }
            if tracer.traceContext(of: statement.context) != nil { contexts += 1 }
            statement.end()
            server.operationName = "PUT /users/{id}"
            server.updateAttributes { attributes in
                attributes["http.request.method"] = "PUT"
                attributes["url.path"] = "/users/0b6f1c9e-4a57-4f0e-9c1d-2f7d3c1e5a10"
                attributes["http.route"] = "/users/{id}"
                attributes["http.response.status_code"] = 200
                attributes["http.request.id"] = "request-\(index)"
            }
            server.end()
        }
        precondition(contexts == 0 || contexts == count)
    }
}
