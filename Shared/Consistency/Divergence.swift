import Foundation

/// How one user differs between the source and a projection.
public struct Divergence: Sendable, Codable, Equatable, Hashable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Live in the source, absent from the projection.
        case missing
        /// The projection holds an older version.
        case stale
        /// The projection holds a newer version than the source (it applied a write the source lost).
        case ahead
        /// Live in the projection, deleted or unknown in the source.
        case extra
        /// The same version, but what the projection holds of the user differs from the
        /// source's row (a bad write, a forged repair, a manual edit).
        case content
    }

    public var userId: UUID
    public var kind: Kind
    public var sourceVersion: Int64?
    public var projectionVersion: Int64?

    enum CodingKeys: String, CodingKey {
        case userId, kind, sourceVersion, projectionVersion
    }

    public init(userId: UUID, kind: Kind, sourceVersion: Int64?, projectionVersion: Int64?) {
        self.userId = userId
        self.kind = kind
        self.sourceVersion = sourceVersion
        self.projectionVersion = projectionVersion
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(userId.uuidString.lowercased(), forKey: .userId)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(sourceVersion, forKey: .sourceVersion)
        try container.encodeIfPresent(projectionVersion, forKey: .projectionVersion)
    }

    /// The differences between two listings of the same bucket: the source's live users,
    /// and the projection's users with its tombstones (a user the projection holds as
    /// deleted is `missing`, with the tombstone's version as `projectionVersion`, so a
    /// repair can be raised above it).
    public static func between(source: [UserVersion], projection: [UserVersion]) -> [Divergence] {
        let inSource = Dictionary(source.filter { !$0.deleted }.map { ($0.userId, $0) }) { first, _ in first }
        let inProjection = Dictionary(projection.map { ($0.userId, $0) }) { first, _ in first }
        var result: [Divergence] = []
        for (user, held) in inSource {
            let version = held.version
            guard let other = inProjection[user] else {
                result.append(Divergence(userId: user, kind: .missing, sourceVersion: version, projectionVersion: nil))
                continue
            }
            if other.deleted {
                result.append(Divergence(userId: user, kind: .missing, sourceVersion: version, projectionVersion: other.version))
            } else if other.version < version {
                result.append(Divergence(userId: user, kind: .stale, sourceVersion: version, projectionVersion: other.version))
            } else if other.version > version {
                result.append(Divergence(userId: user, kind: .ahead, sourceVersion: version, projectionVersion: other.version))
            } else if other.content != held.content {
                result.append(Divergence(userId: user, kind: .content, sourceVersion: version, projectionVersion: other.version))
            }
        }
        for (user, other) in inProjection where inSource[user] == nil && !other.deleted {
            result.append(Divergence(userId: user, kind: .extra, sourceVersion: nil, projectionVersion: other.version))
        }
        return result.sorted { $0.userId.uuidString < $1.userId.uuidString }
    }
}
