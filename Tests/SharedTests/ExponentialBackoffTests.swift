import AsyncPrimitives
import Testing

@Suite("Exponential backoff with full jitter")
struct ExponentialBackoffTests {
    let backoff = ExponentialBackoff(base: .milliseconds(100), factor: 2, cap: .seconds(30))

    @Test func ceilingDoublesFromTheBaseUpToTheCap() {
        #expect(backoff.ceiling(attempt: 1) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 2) == .milliseconds(200))
        #expect(backoff.ceiling(attempt: 5) == .milliseconds(1600))
        #expect(backoff.ceiling(attempt: 9) == .milliseconds(25600))
        #expect(backoff.ceiling(attempt: 10) == .seconds(30))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(30))
    }

    @Test func delaysStayWithinZeroAndTheCeilingAndSpread() {
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<200).map { _ in backoff.delay(attempt: 4, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(800) })
        #expect(Set(delays).count > 20, "full jitter spreads the retries")
    }
}
