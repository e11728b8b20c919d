import Events
import Foundation

/// A user profile as stored, with its version.
struct User: Sendable {
    var id: UUID
    var name: String
    var email: String
    var bio: String
    var version: Int64
    var createdAt: Date
    var updatedAt: Date

    var profile: ProfileInput { ProfileInput(name: name, email: email, bio: bio) }

    /// The JSON representation returned by the API.
    var representation: Representation {
        Representation(
            id: id.uuidString.lowercased(), name: name, email: email, bio: bio, version: version,
            createdAt: RFC3339.format(createdAt), updatedAt: RFC3339.format(updatedAt)
        )
    }

    struct Representation: Encodable, Sendable {
        var id: String
        var name: String
        var email: String
        var bio: String
        var version: Int64
        var createdAt: String
        var updatedAt: String
    }
}
