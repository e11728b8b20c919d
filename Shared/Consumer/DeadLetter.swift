import Events
import Foundation
import Kafka

/// A record sent to `<topic>.<group>.dlq`: the original key and value byte
/// for byte, and headers that say where it came from and why it failed.
public struct DeadLetter: Sendable, Equatable {
    /// Why the record was given up on (`dlq-error-class`).
    public enum ErrorClass: String, Sendable {
        /// It can never be applied (not JSON, not a CloudEvent, unknown type, invalid fields).
        case permanent
        /// Applying it failed on every one of the allowed attempts.
        case exhausted
    }

    public static let originalTopicHeader = "dlq-original-topic"
    public static let originalPartitionHeader = "dlq-original-partition"
    public static let originalOffsetHeader = "dlq-original-offset"
    public static let errorClassHeader = "dlq-error-class"
    public static let errorHeader = "dlq-error"
    public static let attemptsHeader = "dlq-attempts"
    public static let failedAtHeader = "dlq-failed-at"
    public static let consumerGroupHeader = "dlq-consumer-group"

    public let original: KafkaConsumerMessage
    public let errorClass: ErrorClass
    public let error: String
    public let attempts: Int
    public let failedAt: Date
    public let group: String
    /// The trace of the original record (kept in its value, so the dead letter and a redrive
    /// carry it too): the dead-letter span is in it. `nil` for a record without a trusted one.
    public let trace: TraceContext?

    public init(
        original: KafkaConsumerMessage, errorClass: ErrorClass, error: String, attempts: Int, failedAt: Date = Date(), group: String,
        trace: TraceContext? = nil
    ) {
        self.original = original
        self.trace = trace
        self.errorClass = errorClass
        // Headers are not the place for a novel: long driver errors are cut.
        self.error = error.count > 1000 ? String(error.prefix(1000)) + "…" : error
        self.attempts = attempts
        self.failedAt = failedAt
        self.group = group
    }

    /// The dead-letter topic of a group.
    public static func topic(for topic: String, group: String) -> String {
        "\(topic).\(group).dlq"
    }

    public func message(topic: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic,
            key: original.key,
            value: original.value,
            headers: original.headers.filter { !$0.name.hasPrefix("dlq-") } + [
                KafkaHeader(name: Self.originalTopicHeader, string: original.topic),
                KafkaHeader(name: Self.originalPartitionHeader, string: String(original.partition)),
                KafkaHeader(name: Self.originalOffsetHeader, string: String(original.offset)),
                KafkaHeader(name: Self.errorClassHeader, string: errorClass.rawValue),
                KafkaHeader(name: Self.errorHeader, string: error),
                KafkaHeader(name: Self.attemptsHeader, string: String(attempts)),
                KafkaHeader(name: Self.failedAtHeader, string: RFC3339.format(failedAt)),
                KafkaHeader(name: Self.consumerGroupHeader, string: group),
            ]
        )
    }
}
