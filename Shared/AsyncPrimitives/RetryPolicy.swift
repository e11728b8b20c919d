import Foundation

/// How a failed operation is retried: exponential backoff from `base`, growing by
/// `factor` per attempt up to `cap`, with or without jitter, and how many attempts
/// it gets (`nil`: for as long as it takes).
///
/// With full jitter, attempt *n* (from 1) waits a random time in
/// `0 ... min(cap, base × factorⁿ⁻¹)`, which spreads the retries of many clients
/// instead of synchronising them. Every retry in the project is described by one
/// of these values (``standard``, ``connection`` or one derived from them).
public struct RetryPolicy: Sendable, Equatable {
    /// How the wait before an attempt is drawn from its ceiling.
    public enum Jitter: Sendable, Equatable {
        /// A random wait in `0 ... ceiling` (AWS's "full jitter").
        case full
        /// Exactly the ceiling.
        case none
    }

    /// The ceiling of the first retry's wait.
    public var base: Duration
    /// How much the ceiling grows per failed attempt (at least 1).
    public var factor: Double
    /// The ceiling never grows past this.
    public var cap: Duration
    /// Whether the wait is drawn at random below the ceiling (``Jitter/full``) or is the ceiling.
    public var jitter: Jitter
    /// How many attempts an operation gets before it is given up; `nil`: it is retried for as long as it takes.
    public var maxAttempts: Int?

    public init(
        base: Duration = .milliseconds(100), factor: Double = 2, cap: Duration = .seconds(30), jitter: Jitter = .full, maxAttempts: Int? = nil
    ) {
        precondition(base >= .zero && cap >= .zero, "a retry policy's base and cap are not negative")
        precondition(factor >= 1 && factor.isFinite, "a retry policy's factor is at least 1")
        precondition((maxAttempts ?? 1) >= 1, "a retry policy allows at least one attempt")
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// The design's policy for transient failures: full jitter from 100 ms, factor 2, cap 30 s,
    /// for as long as it takes.
    public static let standard = RetryPolicy()

    /// For re-opening a connection of our own (the relay's, search's `LISTEN`) and re-publishing
    /// outbox rows: ``standard`` capped at 5 s, so a recovered server is used again within seconds.
    public static let connection = RetryPolicy(cap: .seconds(5))

    /// A fixed pause between retries, without jitter, for as long as it takes.
    public static func fixed(_ interval: Duration) -> RetryPolicy {
        RetryPolicy(base: interval, factor: 1, cap: interval, jitter: .none)
    }

    /// The same waits, for as long as it takes (for work that must never be given up).
    public var withoutAttemptLimit: RetryPolicy {
        var policy = self
        policy.maxAttempts = nil
        return policy
    }

    /// Whether an operation that has failed `attempts` times is given up (``maxAttempts`` used up).
    public func isExhausted(after attempts: Int) -> Bool {
        maxAttempts.map { attempts >= $0 } ?? false
    }

    /// The upper bound of the wait after failed attempt `attempt` (1-based), in whole milliseconds.
    public func ceiling(attempt: Int) -> Duration {
        guard base > .zero else { return .zero }
        // Past 64 doublings any base is far beyond any cap; the bound keeps the product finite.
        let grown = base.inSeconds * pow(factor, Double(min(max(attempt, 1) - 1, 64)))
        return .milliseconds(Int64((min(grown, cap.inSeconds) * 1000).rounded()))
    }

    /// The wait after failed attempt `attempt` (1-based), drawn with `generator`.
    public func delay<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> Duration {
        let ceiling = ceiling(attempt: attempt)
        switch jitter {
        case .none:
            return ceiling
        case .full:
            guard ceiling > .zero else { return .zero }
            return .milliseconds(Int64.random(in: 0...ceiling.wholeMilliseconds, using: &generator))
        }
    }

    /// The wait after failed attempt `attempt` (1-based).
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}
