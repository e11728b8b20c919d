extension Duration {
    /// The duration in seconds, sub-second parts included (for SQL intervals, rates and metrics).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in milliseconds, sub-second parts included (for latency figures).
    public var inMilliseconds: Double {
        inSeconds * 1000
    }

    /// Whole milliseconds, rounded down (for logs and APIs that take an integer).
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
