import Access
import Testing

/// The per-caller token bucket, on a clock the test moves.
@Suite("rate limit: a token bucket per caller")
struct RateLimiterTests {
    @Test func aBurstIsServedThenRefusedWithTheSecondsToWaitAndRefilledAtTheRate() {
        let limiter = RateLimiter(ratePerSecond: 2, burst: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.take(for: "alice", now: start) == nil) }
        #expect(limiter.take(for: "alice", now: start) == 1, "the burst is used up: one token comes in half a second, said as 1 s")
        #expect(limiter.take(for: "bob", now: start) == nil, "another caller has a bucket of its own")
        #expect(limiter.take(for: "alice", now: start + .milliseconds(500)) == nil, "refilled at 2 a second")
        #expect(limiter.take(for: "alice", now: start + .milliseconds(500)) != nil)
        for _ in 0..<3 { #expect(limiter.take(for: "alice", now: start + .seconds(10)) == nil, "never more than the burst") }
        #expect(limiter.take(for: "alice", now: start + .seconds(10)) != nil)
    }
}
