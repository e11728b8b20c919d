/// The event types on `user-events`.
public enum EventType: String, Sendable, Codable, CaseIterable {
    case userProfileUpdated = "UserProfileUpdated"
    case userDeleted = "UserDeleted"
    /// The relay's freshness mark: every record of the partition created before
    /// `data.watermark` is ahead of it. Not about a user; never deduplicated,
    /// counted or dead-lettered.
    case heartbeat = "Heartbeat"
}
