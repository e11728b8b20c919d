import Foundation

/// How users are spread over digest buckets, the same in every service: a
/// user's bucket is the top `log2(count)` bits of its id's first four bytes,
/// so a bucket is a contiguous range of ids and its users, listed in id order,
/// are in the order PostgreSQL sorts `uuid`.
public struct BucketLayout: Sendable, Equatable {
    /// A power of two, 1…4096.
    public let count: Int

    public static let defaultCount = 256
    public static let maximumCount = 4096

    /// `nil` unless `count` is a power of two in 1…4096.
    public init?(count: Int) {
        guard (1...Self.maximumCount).contains(count), count & (count - 1) == 0 else { return nil }
        self.count = count
    }

    public func bucket(of id: UUID) -> Int {
        guard count > 1 else { return 0 }
        let bytes = id.uuid
        let prefix = UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
        return Int(prefix >> UInt32(32 - count.trailingZeroBitCount))
    }
}
