import Foundation

/// What a `user-events` record is to the consumer.
public enum DecodedRecord: Sendable, Equatable {
    /// A change to a user, for the projection.
    case event(ConsumedEvent)
    /// The relay's freshness mark (see ``EventDecoder``): applied by keeping its
    /// watermark (`nil` when unreadable: skipped with a warning, never dead-lettered).
    case heartbeat(watermark: Date?)
    /// A record that can never be applied: a dead letter.
    case poison(PermanentEventError)
}
