import CoreMetrics
import Metrics

/// The relay's figures, exported on `/metrics`.
struct OutboxMetrics: Sendable {
    /// Rows not yet published (as last counted by the leader).
    let pending: Gauge
    let publishedTotal: Counter
    let publishFailuresTotal: Counter
    /// From the outbox insert (inside the write's transaction) to the broker's acknowledgement.
    let commitToDelivered: Metrics.Timer
    /// 1 while this instance holds the relay lock.
    let leader: Gauge
    /// Heartbeat rounds published (one heartbeat to every partition each).
    let heartbeatsTotal: Counter
    /// now − the watermark of the last heartbeat round: how far behind the topic is.
    let watermarkAge: Gauge

    init(factory: any MetricsFactory) {
        pending = Gauge(label: "outbox_pending", factory: factory)
        publishedTotal = Counter(label: "outbox_published_total", factory: factory)
        publishFailuresTotal = Counter(label: "outbox_publish_failures_total", factory: factory)
        commitToDelivered = Metrics.Timer(label: "outbox_commit_to_delivered_seconds", factory: factory)
        leader = Gauge(label: "outbox_relay_leader", factory: factory)
        heartbeatsTotal = Counter(label: "outbox_heartbeats_total", factory: factory)
        watermarkAge = Gauge(label: "outbox_watermark_age_seconds", factory: factory)
    }
}
