import Hummingbird

/// `GET /analytics/users/{id}`.
struct UserActivity: ResponseCodable, Sendable, Equatable {
    var userId: String
    /// Applied `UserProfileUpdated` events with version > 1.
    var updates: Int64
    var lastVersion: Int64
    var deleted: Bool
    var lastEventAt: String
}
