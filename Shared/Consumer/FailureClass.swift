import Database
import EventLog

/// How the consumer treats an error while applying events (DESIGN.md, "Consumers").
public enum FailureClass: String, Sendable, Equatable {
    /// The record can never be applied: dead-lettered at once.
    case permanent
    /// The database or broker is unavailable, or a transaction lost a race:
    /// retried with backoff for as long as it takes, never dead-lettered.
    case transient
    /// Anything else: retried up to the attempt limit, then dead-lettered as `exhausted`.
    case other

    public static func classify(_ error: any Error) -> FailureClass {
        if error is PermanentEventError { return .permanent }
        if let kafka = error as? KafkaError { return kafka.isFatal ? .other : .transient }
        if PostgresErrorInspection.isTransient(error) { return .transient }
        return .other
    }
}
