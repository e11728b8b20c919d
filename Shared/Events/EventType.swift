/// The event types on `user-events`.
public enum EventType: String, Sendable, Codable, CaseIterable {
    case userProfileUpdated = "UserProfileUpdated"
    case userDeleted = "UserDeleted"
}
