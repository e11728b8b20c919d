/// `data` of a `UserDeleted` event.
public struct UserDeletedData: Sendable, Codable, Equatable {
    public var userId: String
    /// The version the deletion gave the user (last version + 1).
    public var version: Int64

    /// The JSON keys of `data`, also what the delete statement fills in.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case userId, version
    }

    public init(userId: String, version: Int64) {
        self.userId = userId
        self.version = version
    }
}
