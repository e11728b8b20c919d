import Foundation

/// A successful write's response, as returned and as kept for idempotent replay.
struct StoredResponse: Sendable {
    var status: Int
    var etag: String?
    var location: String?
    /// JSON body; empty for 204.
    var body: String
    /// The user whose profile `body` carries (a 200 or 201 answer), so that the answer can be
    /// replaced once that user is deleted (``IdempotencyKeys/deletedUserAnswer``); `nil` for
    /// an answer without a profile.
    var userID: UUID? = nil

    static func user(_ user: User, status: Int, location: String? = nil) throws -> StoredResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = String(decoding: try encoder.encode(user.representation), as: UTF8.self)
        return StoredResponse(status: status, etag: "\"\(user.version)\"", location: location, body: body, userID: user.id)
    }
}
