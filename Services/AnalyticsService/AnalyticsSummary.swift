import Hummingbird

/// `GET /analytics/summary`.
struct AnalyticsSummary: ResponseCodable, Sendable, Equatable {
    /// Users seen and not deleted.
    var users: Int64
    var deletedUsers: Int64
    /// Applied `UserProfileUpdated` events with version > 1.
    var profileUpdates: Int64
    /// The same events, by changed field (`name`, `email`, `bio`).
    var updatesByField: [String: Int64]
    var eventsApplied: Int64
    var duplicatesSkipped: Int64
    /// Applied repair events (anti-entropy, snapshots); never counted as profile updates.
    var repairsApplied: Int64
    /// The latest event `time` applied, RFC 3339; `null` before the first event.
    var lastEventAt: String?
}
