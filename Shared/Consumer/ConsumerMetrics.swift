import Observability
import Prometheus

/// The consumer's figures on `/metrics`: the lag line's numbers, and more.
public struct ConsumerMetrics: Sendable {
    let applied: Counter
    let duplicates: Counter
    let deadLetteredPermanent: Counter
    let deadLetteredExhausted: Counter
    /// `consumer_events_total{outcome}`: every record by what became of it (heartbeats are not counted).
    let appliedEvents: Counter
    let duplicateEvents: Counter
    let deadLetteredEvents: Counter
    let offsetsSkipped: Counter
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
        applied = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_events_applied_total", help: "Events applied to the projection by this instance (heartbeats not counted)."
        ))
        duplicates = registry.makeCounter(descriptor: MetricNameDescriptor(
            "consumer_duplicates_skipped_total", help: "Events skipped because their id was already processed (redeliveries)."
        ))
        let deadLettered = MetricNameDescriptor(
            "consumer_dead_lettered_total",
            help: "Records sent to the dead-letter topic, by class: permanent (undecodable) or exhausted (retries used up)."
        )
        deadLetteredPermanent = registry.makeCounter(descriptor: deadLettered, labels: [("class", "permanent")])
        deadLetteredExhausted = registry.makeCounter(descriptor: deadLettered, labels: [("class", "exhausted")])
        let events = MetricNameDescriptor(
            "consumer_events_total", help: "Records consumed, by outcome: applied, duplicate (already processed) or dead_lettered; heartbeats not counted."
        )
        appliedEvents = registry.makeCounter(descriptor: events, labels: [("outcome", "applied")])
        duplicateEvents = registry.makeCounter(descriptor: events, labels: [("outcome", "duplicate")])
        deadLetteredEvents = registry.makeCounter(descriptor: events, labels: [("outcome", "dead_lettered")])
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
