import AsyncPrimitives
import Testing

@Suite("Retry policy: exponential backoff, cap, jitter, attempts")
struct RetryPolicyTests {
    let policy = RetryPolicy(base: .milliseconds(100), factor: 2, cap: .seconds(30))

    @Test func ceilingGrowsByTheFactorFromTheBaseUpToTheCap() {
        #expect(policy.ceiling(attempt: 1) == .milliseconds(100))
        #expect(policy.ceiling(attempt: 2) == .milliseconds(200))
        #expect(policy.ceiling(attempt: 5) == .milliseconds(1600))
        #expect(policy.ceiling(attempt: 9) == .milliseconds(25600))
        #expect(policy.ceiling(attempt: 10) == .seconds(30))
        #expect(policy.ceiling(attempt: 1000) == .seconds(30))
        #expect(policy.ceiling(attempt: .max) == .seconds(30), "no overflow however many attempts")
        #expect(policy.ceiling(attempt: 0) == .milliseconds(100), "attempts count from 1")
        #expect(RetryPolicy(base: .milliseconds(10), factor: 3, cap: .seconds(1)).ceiling(attempt: 3) == .milliseconds(90))
    }

    @Test func fullJitterDelaysStayWithinZeroAndTheCeilingAndSpread() {
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<200).map { _ in policy.delay(attempt: 4, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(800) })
        #expect(Set(delays).count > 20, "full jitter spreads the retries")
        let capped = (0..<200).map { _ in policy.delay(attempt: 50, using: &generator) }
        #expect(capped.allSatisfy { $0 >= .zero && $0 <= .seconds(30) })
    }

    @Test func withoutJitterTheDelayIsTheCeiling() {
        let policy = RetryPolicy(base: .milliseconds(50), factor: 2, cap: .milliseconds(300), jitter: .none)
        #expect((1...5).map { policy.delay(attempt: $0) } == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(300), .milliseconds(300)])
    }

    @Test func fixedPolicyWaitsTheSameEveryTime() {
        let policy = RetryPolicy.fixed(.milliseconds(200))
        #expect((1...10).allSatisfy { policy.delay(attempt: $0) == .milliseconds(200) })
        #expect(policy.maxAttempts == nil)
    }

    @Test func aZeroBaseNeverWaits() {
        let policy = RetryPolicy(base: .zero, factor: 2, cap: .seconds(1))
        #expect(policy.delay(attempt: 7) == .zero)
    }

    @Test func attemptsAreUsedUpAtMaxAttemptsAndNeverWithoutALimit() {
        let limited = RetryPolicy(maxAttempts: 5)
        #expect(!limited.isExhausted(after: 1))
        #expect(!limited.isExhausted(after: 4))
        #expect(limited.isExhausted(after: 5))
        #expect(limited.isExhausted(after: 6))
        #expect(!limited.withoutAttemptLimit.isExhausted(after: 1_000_000))
        #expect(limited.withoutAttemptLimit.ceiling(attempt: 3) == limited.ceiling(attempt: 3), "the same waits")
        #expect(!RetryPolicy.standard.isExhausted(after: .max))
    }

    @Test func namedPoliciesAreTheDocumentedOnes() {
        #expect(RetryPolicy.standard == RetryPolicy(base: .milliseconds(100), factor: 2, cap: .seconds(30), jitter: .full, maxAttempts: nil))
        #expect(RetryPolicy.connection == RetryPolicy(base: .milliseconds(100), factor: 2, cap: .seconds(5), jitter: .full, maxAttempts: nil))
    }
}
