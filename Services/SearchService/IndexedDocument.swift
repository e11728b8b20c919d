import Hummingbird

/// `GET /search/users/{id}`: the indexed profile of a user.
struct IndexedDocument: ResponseCodable, Sendable, Equatable {
    var userId: String
    var name: String
    /// Only for the user itself and for administrators; absent for every other caller.
    var email: String?
    var bio: String
    var version: Int64
    /// When this version was indexed, RFC 3339.
    var indexedAt: String
}
