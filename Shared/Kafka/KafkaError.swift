import CRdKafka

/// An error reported by librdkafka or by the Swift wrapper around it.
///
/// `code` says what happened (compare it with ``Code``'s static members);
/// `isRetriable` says whether trying the same operation again may succeed
/// (broker down, time-out, leader change); `isFatal` says the client instance
/// is unusable and must be recreated.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What happened, e.g. ``Code/shutDown`` or ``Code/messageTimedOut``.
    public let code: Code
    /// A human-readable explanation.
    public let message: String
    /// Whether the same operation may succeed if tried again.
    public let isRetriable: Bool
    /// Whether the client instance is unusable and must be recreated.
    public let isFatal: Bool

    /// An error with an explicit classification (for tests and the wrapper's own errors).
    public init(code: Code, message: String, isRetriable: Bool, isFatal: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    /// Builds an error from a librdkafka response code; retriable if the code is one
    /// librdkafka documents as transient.
    init(_ err: rd_kafka_resp_err_t, context: String? = nil) {
        let code = Code(err)
        let text = String(cString: rd_kafka_err2str(err))
        self.init(
            code: code,
            message: context.map { "\($0): \(text)" } ?? text,
            isRetriable: Code.retriable.contains(code),
            isFatal: code == .fatal
        )
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it. Retriable if
    /// librdkafka flags it so (`rd_kafka_error_is_retriable`) or its code is one
    /// librdkafka documents as transient.
    init(consuming error: OpaquePointer, context: String? = nil) {
        let code = Code(rd_kafka_error_code(error))
        let text = String(cString: rd_kafka_error_string(error))
        self.init(
            code: code,
            message: context.map { "\($0): \(text)" } ?? text,
            isRetriable: rd_kafka_error_is_retriable(error) != 0 || Code.retriable.contains(code),
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
        rd_kafka_error_destroy(error)
    }

    /// A configuration or usage error raised by the wrapper itself.
    public static func configuration(_ message: String) -> KafkaError {
        KafkaError(code: .invalidArgument, message: message, isRetriable: false)
    }

    /// The client was shut down before the operation finished.
    public static let shutDown = KafkaError(code: .shutDown, message: "the Kafka client is shut down", isRetriable: false)

    /// The sender's task was cancelled before the record's delivery report arrived.
    /// Retriable: the record may or may not be delivered, and sending it again may succeed.
    static let deliveryReportAbandoned = KafkaError(
        code: .deliveryReportAbandoned,
        message: "the sender was cancelled before the delivery report arrived; the record may still be delivered",
        isRetriable: true
    )

    /// `KafkaError(<code name>): <message>`.
    public var description: String { "KafkaError(\(code)): \(message)" }
}
