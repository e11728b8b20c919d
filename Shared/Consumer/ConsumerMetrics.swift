import Observability
import Prometheus

/// The consumer's figures on `/metrics`: the lag line's numbers, and more. Each fact is one
/// series: what became of a record is `consumer_events_total{outcome}` only.
public struct ConsumerMetrics: Sendable {
    /// `consumer_events_total{outcome="applied"}`: events applied to the projection (heartbeats are not counted).
    let applied: Counter
    /// `consumer_events_total{outcome="duplicate"}`: events skipped because their id was already processed.
    let duplicates: Counter
    /// `consumer_events_total{outcome="dead_lettered",class}`, by the dead letter's class.
    let deadLetteredPermanent: Counter
    let deadLetteredExhausted: Counter
    let offsetsSkipped: Counter
    /// `processed_events` rows and projection tombstones deleted by the retention purge.
    let dedupRowsPurged: Counter
    let tombstonesPurged: Counter
    /// Records keyed `heartbeat` that are not valid signed heartbeats (forged, unsigned, unreadable).
    let heartbeatsIgnored: Counter
    let transientFailures: Counter
    let endToEnd: DurationHistogram
    let lag: Gauge
    /// now − the oldest heartbeat watermark over the partitions this instance owns.
    let staleness: Gauge
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        let events = MetricNameDescriptor(
            "consumer_events_total",
            help: "Records consumed by this instance, by outcome: applied, duplicate (already processed, skipped) or dead_lettered "
                + "(with class: permanent, can never be applied, or exhausted, retries used up); heartbeats not counted."
        )
        applied = registry.makeCounter(descriptor: events, labels: [("outcome", "applied")])
        duplicates = registry.makeCounter(descriptor: events, labels: [("outcome", "duplicate")])
        deadLetteredPermanent = registry.makeCounter(descriptor: events, labels: [("outcome", "dead_lettered"), ("class", "permanent")])
        deadLetteredExhausted = registry.makeCounter(descriptor: events, labels: [("outcome", "dead_lettered"), ("class", "exhausted")])
        dedupRowsPurged = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_dedup_rows_purged_total", help: "processed_events rows deleted after DEDUP_RETENTION."
        ))
        tombstonesPurged = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_tombstones_purged_total", help: "Projection tombstones deleted after TOMBSTONE_RETENTION."
        ))
        offsetsSkipped = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_offsets_skipped_total", help: "Offsets the broker no longer held when the consumer reached them (removed by retention)."
        ))
        heartbeatsIgnored = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_heartbeats_ignored_total",
            help: "Records keyed heartbeat that did not verify or were invalid: ignored, their watermark never used (forged or misconfigured producer)."
        ))
        transientFailures = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_transient_failures_total", help: "Transient failures (database or broker unavailable), retried with backoff."
        ))
        endToEnd = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                "consumer_e2e_latency_seconds", help: "Time from an event's time attribute to the commit of its projection change."
            ),
            buckets: Telemetry.durationBuckets
        )
        lag = registry.makeGauge(descriptor: MetricNameDescriptor(
            "consumer_lag", help: "Records of the topic not yet committed by the group, summed over partitions."
        ))
        staleness = registry.makeGauge(descriptor: MetricNameDescriptor(
            "consumer_staleness_seconds", help: "Now minus the oldest heartbeat watermark over the partitions this instance owns."
        ))
    }

    func partitionLag(_ partition: Int32) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor("consumer_partition_lag", help: "Records of one partition not yet committed by the group."),
            labels: [("partition", String(partition))]
        )
    }

    /// `consumer_status{status}`, a state set: 1 for `status`, 0 for every other one.
    func recordStatus(_ status: LagStatus) {
        let descriptor = MetricNameDescriptor(
            "consumer_status", help: "The status of the last lag line (OK, LAGGING, STALLED, ERROR, STALE): 1 for the current one, 0 for the others."
        )
        for state in LagStatus.allCases {
            registry.makeGauge(descriptor: descriptor, labels: [("status", state.rawValue)]).set(to: state == status ? 1 : 0)
        }
    }
}
