import Observability
import Prometheus

/// The relay's figures, exported on `/metrics`.
struct OutboxMetrics: Sendable {
    /// Rows not yet published (as last counted by the leader).
    let pending: Gauge
    let publishedTotal: Counter
    let publishFailuresTotal: Counter
    /// From the outbox insert (inside the write's transaction) to the broker's acknowledgement.
    let commitToDelivered: DurationHistogram
    /// 1 while this instance holds the relay lock.
    let leader: Gauge
    /// Heartbeat rounds published (one heartbeat to every partition each).
    let heartbeatsTotal: Counter
    /// now − the watermark of the last heartbeat round: how far behind the topic is.
    let watermarkAge: Gauge

    init(registry: PrometheusCollectorRegistry) {
        pending = registry.makeGauge(descriptor: MetricNameDescriptor(
            "outbox_pending", help: "Outbox rows not yet published, as last counted by the relay leader."
        ))
        publishedTotal = registry.makeCounter(descriptor: MetricNameDescriptor(
            "outbox_published_total", help: "Outbox rows published and acknowledged by the broker."
        ))
        publishFailuresTotal = registry.makeCounter(descriptor: MetricNameDescriptor(
            "outbox_publish_failures_total", help: "Outbox rows whose publication failed; they are retried."
        ))
        commitToDelivered = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                "outbox_commit_to_delivered_seconds", help: "Time from a write's outbox insert to the broker's acknowledgement of its event."
            ),
            buckets: Telemetry.durationBuckets
        )
        leader = registry.makeGauge(descriptor: MetricNameDescriptor(
            "outbox_relay_leader", help: "1 while this instance holds the relay lock and publishes, else 0."
        ))
        heartbeatsTotal = registry.makeCounter(descriptor: MetricNameDescriptor(
            "outbox_heartbeats_total", help: "Heartbeat rounds published (one heartbeat to every partition each)."
        ))
        watermarkAge = registry.makeGauge(descriptor: MetricNameDescriptor(
            "outbox_watermark_age_seconds", help: "Now minus the watermark of the last heartbeat round published."
        ))
    }
}
