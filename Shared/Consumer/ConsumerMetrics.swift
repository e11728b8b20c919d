import CoreMetrics
import Metrics

/// The consumer's figures on `/metrics`: the lag line's numbers, and more.
public struct ConsumerMetrics: Sendable {
    let applied: Counter
    let duplicates: Counter
    let deadLetteredPermanent: Counter
    let deadLetteredExhausted: Counter
    let offsetsSkipped: Counter
    let transientFailures: Counter
    let endToEnd: Metrics.Timer
    let lag: Gauge
    /// 0 OK, 1 LAGGING, 2 STALLED, 3 ERROR, 4 STALE (as in the last lag line).
    let status: Gauge
    /// now − the oldest heartbeat watermark over the partitions this instance owns.
    let staleness: Gauge
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
        applied = Counter(label: "consumer_events_applied_total", factory: factory)
        duplicates = Counter(label: "consumer_duplicates_skipped_total", factory: factory)
        deadLetteredPermanent = Counter(label: "consumer_dead_lettered_total", dimensions: [("class", "permanent")], factory: factory)
        deadLetteredExhausted = Counter(label: "consumer_dead_lettered_total", dimensions: [("class", "exhausted")], factory: factory)
        offsetsSkipped = Counter(label: "consumer_offsets_skipped_total", factory: factory)
        transientFailures = Counter(label: "consumer_transient_failures_total", factory: factory)
        endToEnd = Metrics.Timer(label: "consumer_e2e_latency_seconds", factory: factory)
        lag = Gauge(label: "consumer_lag", factory: factory)
        status = Gauge(label: "consumer_lag_status", factory: factory)
        staleness = Gauge(label: "consumer_staleness_seconds", factory: factory)
    }

    func partitionLag(_ partition: Int32) -> Gauge {
        Gauge(label: "consumer_partition_lag", dimensions: [("partition", String(partition))], factory: factory)
    }
}
