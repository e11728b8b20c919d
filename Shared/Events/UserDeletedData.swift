/// `data` of a `UserDeleted` event.
public struct UserDeletedData: Sendable, Codable, Equatable {
    public var userId: String
    /// The version the deletion gave the user (last version + 1).
    public var version: Int64

    public init(userId: String, version: Int64) {
        self.userId = userId
        self.version = version
    }
}
