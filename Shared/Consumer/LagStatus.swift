/// The `status` of a lag line.
public enum LagStatus: String, Sendable, Equatable, CaseIterable {
    /// Lag 0.
    case ok = "OK"
    /// Lag > 0 and the committed offsets moved since the last line.
    case lagging = "LAGGING"
    /// Lag > 0 and nothing was committed since the last line.
    case stalled = "STALLED"
    /// The consumer cannot reach the broker or its database, or its apply loop is stuck.
    case error = "ERROR"
    /// Lag 0, but the newest heartbeat applied is older than the staleness SLO:
    /// the pipeline upstream of the topic (the relay, the outbox) has stopped.
    case stale = "STALE"

    /// The status for a lag, given the sum of committed offsets now and at the last line.
    public static func of(lag: Int64, committedSum: Int64, previousCommittedSum: Int64?, failing: Bool, stale: Bool = false) -> LagStatus {
        if failing { return .error }
        if lag == 0 { return stale ? .stale : .ok }
        guard let previousCommittedSum else { return .lagging }
        return committedSum > previousCommittedSum ? .lagging : .stalled
    }

}
