import Foundation
import Synchronization

/// A token bucket per caller: `ratePerSecond` tokens a second up to `burst`. A request takes
/// one; with none left it is refused and told when one will be there (`Retry-After`).
/// Buckets of callers idle long enough to be full again are dropped, so the table stays
/// bounded by the callers active in the last `burst / ratePerSecond` seconds.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let ratePerSecond: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(ratePerSecond: Int, burst: Int) {
        self.ratePerSecond = Double(ratePerSecond)
        self.burst = Double(max(1, burst))
    }

    /// `nil` when the request may go on; otherwise the whole seconds to wait.
    public func take(for caller: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            if buckets.count > 100_000 { prune(&buckets, now: now) }
            var bucket = buckets[caller] ?? Bucket(tokens: burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.attoseconds) / 1e18 + Double((now - bucket.updated).components.seconds)
            bucket.tokens = min(burst, bucket.tokens + elapsed * ratePerSecond)
            bucket.updated = now
            defer { buckets[caller] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / ratePerSecond).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.seconds(burst / ratePerSecond)
        buckets = buckets.filter { now - $0.value.updated < refill }
    }
}
