import Events
import Foundation
import Kafka
import Observability
import Tracing

/// The consumer's spans: one per event it applies (`process user-events`, a consumer span
/// continuing the event's `traceparent`) and one per dead letter (`dead-letter user-events`,
/// failed, with the reason), each in the trace of the write that caused the event.
///
/// A batch applies many events in one transaction: each event gets a span of its own,
/// child of its own trace, spanning the batch's transaction (its start and end), with the
/// batch size as an attribute — so every event's trace is whole, and the shared cost is
/// visible in each. Events without a trace context (repairs, snapshots, untraced writes)
/// get none; nothing here runs when the tracer is a no-op and no event carries a context.
struct ConsumerSpans: Sendable {
    let tracer: any Tracer
    let topic: String
    let group: String

    /// Spans for `events`, applied (or found duplicate) in one transaction that began at `startedAt` and has just committed.
    func applied(_ events: [ConsumedEvent], outcome: ProcessedEventsStore.Outcome, startedAt: DefaultTracerClock.Instant) {
        guard events.contains(where: { $0.trace != nil }) else { return }
        let applied = Set(outcome.applied.map(\.id))
        for event in events {
            guard let trace = event.trace else { continue }
            let span = tracer.startSpan(processName, context: tracer.context(continuing: trace), ofKind: .consumer, at: startedAt)
            span.updateAttributes { attributes in
                describe(&attributes, event.partition, event.offset)
                attributes["messaging.message.id"] = event.id.uuidString.lowercased()
                attributes["messaging.batch.message_count"] = events.count
                attributes["cloudevents.event_type"] = event.type.rawValue
                attributes["user.version"] = event.version
                attributes["consumer.outcome"] = applied.contains(event.id) ? "applied" : "duplicate"
            }
            span.end()
        }
    }

    /// A failed span for each dead letter in a trace, recorded in the consumer's database (its publisher sends it).
    func deadLettered(_ letters: [DeadLetter], to deadLetterTopic: String) {
        for letter in letters {
            guard let trace = letter.trace else { continue }
            let span = tracer.startSpan("dead-letter \(topic)", context: tracer.context(continuing: trace), ofKind: .consumer)
            span.updateAttributes { attributes in
                describe(&attributes, letter.original.partition, letter.original.offset)
                attributes["dead_letter.topic"] = deadLetterTopic
                attributes["dead_letter.error_class"] = letter.errorClass.rawValue
                attributes["dead_letter.error"] = letter.error
                attributes["dead_letter.attempts"] = letter.attempts
            }
            span.setStatus(SpanStatus(code: .error, message: letter.error))
            span.end()
        }
    }

    private var processName: String { "process \(topic)" }

    private func describe(_ attributes: inout SpanAttributes, _ partition: Int32, _ offset: Int64) {
        attributes["messaging.system"] = "kafka"
        attributes["messaging.operation.type"] = "process"
        attributes["messaging.destination.name"] = topic
        attributes["messaging.consumer.group.name"] = group
        attributes["messaging.destination.partition.id"] = "\(partition)"
        attributes["messaging.kafka.offset"] = offset
    }
}
