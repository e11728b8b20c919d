import Events

/// A record that can never be applied, whatever is retried: not JSON, not a
/// CloudEvent, an unknown `type`, a missing or invalid field. It goes to the
/// dead-letter topic at once, with `reason` in its `dlq-error` header.
public struct PermanentEventError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    /// The trace the record belongs to, read only from a record whose signature verified
    /// (a forged record cannot put itself into someone's trace); `nil` otherwise.
    public var trace: TraceContext?

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
