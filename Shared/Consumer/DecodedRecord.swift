import Events
import Foundation

/// What a `user-events` record is to the consumer (see ``EventDecoder``).
public enum DecodedRecord: Sendable, Equatable {
    /// A change to a user, for the projection.
    case event(ConsumedEvent)
    /// The relay's freshness mark, verified: applied by keeping its watermark.
    case heartbeat(watermark: Date)
    /// A record keyed `heartbeat` that is unsigned, forged or unreadable: skipped with a
    /// warning, never dead-lettered, never used as a watermark.
    case ignoredHeartbeat(EventRejection)
    /// A record that can never be applied: a dead letter.
    case poison(PermanentEventError)
}
