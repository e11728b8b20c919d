import Foundation

/// A user as a store holds it, for the anti-entropy digests and listings: its id, its
/// version, the hash of what the store holds of it (``ProjectionContent``; empty when
/// the store keeps nothing beyond the version) and whether it is a tombstone.
///
/// Digests cover live users only; a bucket listing asked with `tombstones=true` also
/// names the deleted users a projection keeps, so that reconcile learns the version of a
/// tombstone that hides a live user and can raise the source above it.
public struct UserVersion: Sendable, Hashable, Codable {
    public var userId: UUID
    public var version: Int64
    public var content: String
    public var deleted: Bool

    public init(userId: UUID, version: Int64, content: String = "", deleted: Bool = false) {
        self.userId = userId
        self.version = version
        self.content = content
        self.deleted = deleted
    }

    enum CodingKeys: String, CodingKey {
        case userId, version, content, deleted
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userId = try container.decode(UUID.self, forKey: .userId)
        version = try container.decode(Int64.self, forKey: .version)
        content = try container.decodeIfPresent(String.self, forKey: .content) ?? ""
        deleted = try container.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(userId.uuidString.lowercased(), forKey: .userId)
        try container.encode(version, forKey: .version)
        if !content.isEmpty { try container.encode(content, forKey: .content) }
        if deleted { try container.encode(true, forKey: .deleted) }
    }
}
