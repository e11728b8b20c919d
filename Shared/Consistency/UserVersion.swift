import Foundation

/// A live user as a store holds it: its id and version. Digests are built from these.
public struct UserVersion: Sendable, Hashable, Codable {
    public var userId: UUID
    public var version: Int64

    public init(userId: UUID, version: Int64) {
        self.userId = userId
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case userId, version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(userId.uuidString.lowercased(), forKey: .userId)
        try container.encode(version, forKey: .version)
    }
}
