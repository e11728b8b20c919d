import Consumer
import ConsumerService
import Events
import Foundation
import Kafka
import NIOHTTP1
import Observability
import TestSupport
import Testing
@testable import AnalyticsService
@testable import SearchService

/// One trace from an HTTP request through the outbox, the relay and both consumers, as an
/// OTLP receiver of the test's own gets it from the three services (each exporting as itself).
@Suite("tracing: one trace from the request to both projections", .timeLimit(.minutes(5)))
struct TracingTests {
    /// A caller's trace: the PUT continues it.
    static let callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpanID = "00f067aa0ba902b7"

    @Test func aPutIsOneTraceThroughUserServiceTheRelayAndBothConsumers() async throws {
        let world = try SystemWorld()
        let receiver = try OTLPReceiver()
        try await withRunningService(receiver.application) {
            try await RunningSystem.run(world, tracing: receiver) { system in
                let created = try await system.userAPI.send(.POST, "/users", body: #"{"name":"Ada","email":"ada@example.com"}"#)
                let id = try #require(try created.json()["id"] as? String)
                let put = try await system.userAPI.send(
                    .PUT, "/users/\(id)",
                    headers: [("If-Match", "\"1\""), ("traceparent", "00-\(Self.callerTraceID)-\(Self.callerSpanID)-01"), ("tracestate", "test=1")],
                    body: #"{"name":"Ada L.","email":"ada@example.com"}"#
                )
                #expect(put.status == 200)

                // Five spans in the caller's trace, from three services.
                let spans = try await eventuallyValue("the PUT's trace has its five spans", timeout: .seconds(30)) { () -> [ReceivedSpan]? in
                    let spans = receiver.spans(inTrace: Self.callerTraceID)
                    return spans.count >= 5 ? spans : nil
                }
                // The trace as the receiver got it, one line per span (also what a reader of the test output sees).
                for span in spans {
                    print("trace \(span.traceID): \(span.service) \(span.name) [\(span.kind)] span \(span.spanID), parent \(span.parentSpanID)")
                }
                let server = try #require(spans.first { $0.kind == .server }, "a server span: \(spans)")
                #expect(server.service == "user-service")
                #expect(server.name == "PUT /users/{id}")
                #expect(server.parentSpanID == Self.callerSpanID, "continues the caller's traceparent")
                #expect(server.attributes["http.response.status_code"] == "200")

                let statement = try #require(spans.first { $0.kind == .client }, "a database span: \(spans)")
                #expect(statement.service == "user-service" && statement.name == "UPDATE users")
                #expect(statement.parentSpanID == server.spanID, "the statement runs inside the request")
                #expect(statement.attributes["db.system.name"] == "postgresql")

                let send = try #require(spans.first { $0.kind == .producer }, "a send span: \(spans)")
                #expect(send.service == "user-service" && send.name == "send \(world.topic)")
                #expect(send.parentSpanID == statement.spanID, "the relay continues the context stored with the outbox row")
                #expect(send.attributes["messaging.kafka.message.key"] == id)

                let processed = spans.filter { $0.kind == .consumer }
                #expect(Set(processed.map(\.service)) == ["search-service", "analytics-service"], "one apply span per consumer: \(processed)")
                for span in processed {
                    #expect(span.name == "process \(world.topic)")
                    #expect(span.parentSpanID == send.spanID, "\(span.service) continues the event's traceparent (the relay's span)")
                    #expect(span.attributes["consumer.outcome"] == "applied")
                    #expect(span.attributes["messaging.consumer.group.name"] == (span.service == "search-service" ? SearchService.group : AnalyticsService.group))
                }

                // The event on the topic carries the relay's span as its traceparent, the caller's tracestate, inside the signed value.
                let records = try await TopicReader.readAll(world.topic, from: world.broker)
                let traced = try #require(records.first { record in
                    (try? EventContract.read(key: record.key, value: record.value))?.traceContext?.traceID == Self.callerTraceID[...]
                })
                let event = try EventContract.read(key: traced.key, value: traced.value)
                #expect(event.traceContext?.traceparent == "00-\(Self.callerTraceID)-\(send.spanID)-01")
                #expect(event.traceContext?.tracestate == "test=1")
                if EventContractChecker.toolsInstalled {
                    // asyncapi.yaml's envelope (the extension attributes) and the CloudEvents SDK's Kafka decoder accept it.
                    let result = try EventContractChecker.check([EventContractChecker.line(traced)])
                    #expect(result.status == 0, "\(result.output)")
                }

                // The create, without a caller's context, is a trace of its own started by user-service.
                let createTraces = Set(receiver.spans.filter { $0.name == "POST /users" }.map(\.traceID))
                #expect(createTraces.count == 1 && !createTraces.contains(Self.callerTraceID))
            }
        }
    }

    @Test func aDeadLetterAndItsRedriveKeepTheTraceContext() async throws {
        let world = try SystemWorld()
        let receiver = try OTLPReceiver()
        try await withRunningService(receiver.application) {
            try await RunningSystem.run(world, tracing: receiver) { system in
                // A signed event that breaks a field rule (a NUL in the name), in a trace of its own.
                let user = UUID()
                let traceparent = "00-\(Self.callerTraceID)-\(Self.callerSpanID)-01"
                var value = try HostileEventsTests.profile(user, version: 1, id: UUID(), name: "Ada\u{0}")
                value = EventContract.value(of: value, tracedBy: try #require(TraceContext(traceparent: traceparent)))
                let record = try HostileEventsTests.record(world.topic, user, value)
                let producer = try KafkaProducer(configuration: world.broker.producerConfiguration(), logger: world.broker.logger)
                try await withRunningService(producer) {
                    for result in await producer.sendBatch([record]) { _ = try result.get() }
                }

                for group in [SearchService.group, AnalyticsService.group] {
                    let letters = try await TopicReader.read(DeadLetter.topic(for: world.topic, group: group), from: world.broker, count: 1)
                    let letter = try #require(letters.first)
                    #expect(EventContract.traceContext(in: letter.value)?.traceparent == traceparent, "\(group): the dead letter keeps the traceparent")
                }
                let deadLetterSpans = try await eventuallyValue("both consumers' dead-letter spans", timeout: .seconds(30)) { () -> [ReceivedSpan]? in
                    let spans = receiver.spans(inTrace: Self.callerTraceID).filter { $0.name == "dead-letter \(world.topic)" }
                    return spans.count >= 2 ? spans : nil
                }
                for span in deadLetterSpans {
                    #expect(span.parentSpanID == Self.callerSpanID, "\(span.service): in the record's trace")
                    #expect(span.isError)
                    #expect(span.attributes["dead_letter.error"]?.hasPrefix("field rule: data.name") == true)
                }

                // Redriven, the record is the original, byte for byte: its trace context with it.
                let redriven = try await DeadLetterRedrive(
                    configuration: world.consumer(SearchService.group, system.search).consumer, logger: testLogger("redrive")
                ).run()
                #expect(redriven == 1)
                let again = try await TopicReader.readAll(world.topic, from: world.broker).filter { $0.key == record.key }
                #expect(again.count == 2, "the original and its redrive")
                #expect(again.allSatisfy { EventContract.traceContext(in: $0.value)?.traceparent == traceparent })
            }
        }
    }
}
