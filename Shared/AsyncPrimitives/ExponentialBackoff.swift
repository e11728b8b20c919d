/// Exponential backoff with full jitter: attempt *n* (from 1) waits a random
/// time in `0 ... min(cap, base × factorⁿ⁻¹)`, which spreads retries of many
/// clients instead of synchronising them.
public struct ExponentialBackoff: Sendable, Equatable {
    public var base: Duration
    public var factor: Double
    public var cap: Duration

    public init(base: Duration = .milliseconds(100), factor: Double = 2, cap: Duration = .seconds(30)) {
        self.base = base
        self.factor = factor
        self.cap = cap
    }

    /// The upper bound of the wait before attempt `attempt` (1-based).
    public func ceiling(attempt: Int) -> Duration {
        let exponent = Double(max(attempt, 1) - 1)
        let capSeconds = Self.seconds(cap)
        let grown = Self.seconds(base) * pow(factor, min(exponent, 64))
        return .milliseconds(Int64((min(grown, capSeconds) * 1000).rounded()))
    }

    /// A random wait before attempt `attempt`, using `generator`.
    public func delay<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> Duration {
        let ceilingMilliseconds = Int64(Self.seconds(ceiling(attempt: attempt)) * 1000)
        guard ceilingMilliseconds > 0 else { return .zero }
        return .milliseconds(Int64.random(in: 0...ceilingMilliseconds, using: &generator))
    }

    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
        if result > 1e12 { break }
    }
    return result
}
