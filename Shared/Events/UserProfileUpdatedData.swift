/// `data` of a `UserProfileUpdated` event: the whole profile after the change.
public struct UserProfileUpdatedData: Sendable, Codable, Equatable {
    public var userId: String
    /// The user's version after the change (1 on create).
    public var version: Int64
    public var name: String
    public var email: String
    public var bio: String
    /// The fields this change touched (all three on create).
    public var changedFields: [ProfileField]

    /// The JSON keys of `data`: also what user-service's write statements fill in
    /// (`UserEvent.profileUpdatedCompletionSQL`), so the two cannot drift apart.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case userId, version, name, email, bio, changedFields
    }

    public init(userId: String, version: Int64, name: String, email: String, bio: String, changedFields: [ProfileField]) {
        self.userId = userId
        self.version = version
        self.name = name
        self.email = email
        self.bio = bio
        self.changedFields = changedFields
    }
}
