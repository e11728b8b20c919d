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

    /// The differences between two listings of the same bucket.
    public static func between(source: [UserVersion], projection: [UserVersion]) -> [Divergence] {
        let inSource = Dictionary(source.map { ($0.userId, $0.version) }) { first, _ in first }
        let inProjection = Dictionary(projection.map { ($0.userId, $0.version) }) { first, _ in first }
        var result: [Divergence] = []
        for (user, version) in inSource {
            guard let other = inProjection[user] else {
                result.append(Divergence(userId: user, kind: .missing, sourceVersion: version, projectionVersion: nil))
                continue
            }
            if other < version { result.append(Divergence(userId: user, kind: .stale, sourceVersion: version, projectionVersion: other)) }
            if other > version { result.append(Divergence(userId: user, kind: .ahead, sourceVersion: version, projectionVersion: other)) }
        }
        for (user, version) in inProjection where inSource[user] == nil {
            result.append(Divergence(userId: user, kind: .extra, sourceVersion: nil, projectionVersion: version))
        }
        return result.sorted { $0.userId.uuidString < $1.userId.uuidString }
    }
}
