import Crypto
import Foundation

/// What `GET /consistency/digest` answers: per bucket, how many live users a
/// store holds and a hash of their `(id, version, content hash)` in id order. Two
/// stores that hold the same users at the same versions with the same content have
/// equal digests; comparing them costs one small document per service, whatever the size.
public struct ConsistencyDigest: Sendable, Codable, Equatable {
    public struct Bucket: Sendable, Codable, Equatable {
        public var bucket: Int
        public var count: Int
        public var hash: String
    }

    public var entities: Int
    public var buckets: [Bucket]
    /// A projection's freshness watermark (RFC 3339): it holds every change made in the
    /// source before this time. Absent for the source itself and before the first heartbeat.
    public var watermark: String?

    /// The digest of the live ones of `users`, which must be in id order (PostgreSQL's
    /// `ORDER BY id`); tombstones are left out.
    public init(_ users: [UserVersion], layout: BucketLayout, watermark: String? = nil) {
        self.watermark = watermark
        var hashers = [SHA256](repeating: SHA256(), count: layout.count)
        var counts = [Int](repeating: 0, count: layout.count)
        var entities = 0
        for user in users where !user.deleted {
            let bucket = layout.bucket(of: user.userId)
            hashers[bucket].update(data: Array("\(user.userId.uuidString.lowercased()):\(user.version):\(user.content)\n".utf8))
            counts[bucket] += 1
            entities += 1
        }
        self.entities = entities
        buckets = (0..<layout.count).map { index in
            Bucket(bucket: index, count: counts[index], hash: hashers[index].finalize().map { String(format: "%02x", $0) }.joined())
        }
    }

    /// The buckets whose count or hash differ from `other`'s (same layout).
    public func differingBuckets(from other: ConsistencyDigest) -> [Int] {
        zip(buckets, other.buckets).filter { $0 != $1 }.map(\.0.bucket)
    }
}
