import AsyncPrimitives
import ServiceConfiguration

/// How the relay batches, polls and backs off.
struct OutboxRelayConfiguration: Sendable {
    var topic: String = Settings.kafkaTopic.defaultValue
    /// Rows read and handed to the producer at a time (`OUTBOX_BATCH_SIZE`).
    var batchSize: Int = Settings.outboxBatchSize.defaultValue
    /// Batches with the producer at once: the next is read and sent while the reports of
    /// the earlier ones arrive (`OUTBOX_BATCHES_IN_FLIGHT`).
    var batchesInFlight: Int = Settings.outboxBatchesInFlight.defaultValue
    /// The safety-net poll when no NOTIFY arrives.
    var pollInterval: Duration = .seconds(1)
    /// Heartbeats go to every partition at least this often (`HEARTBEAT_INTERVAL_SECONDS`).
    var heartbeatInterval: Duration = .seconds(Settings.heartbeatIntervalSeconds.defaultValue)
    /// How long the new leader waits for the topic's partitions before it starts (without them
    /// if the broker does not answer; the heartbeat round asks again).
    var partitionLookupTimeLimit: Duration = .seconds(2)
    /// How often a standby tries to become the leader.
    var standbyRetryInterval: Duration = .seconds(1)
    /// The wait after a failed publish or a lost database connection, retried for as long as it takes.
    var retry = RetryPolicy.connection
    /// Published rows older than this are deleted (`OUTBOX_RETENTION`).
    var retention: Duration = Settings.outboxRetention.defaultValue
    var purgeInterval: Duration = .seconds(60)
    /// A database step of the relay that takes longer than this is abandoned and the
    /// connection replaced (a query on a connection the server dropped can wait forever).
    var stepTimeLimit: Duration = .seconds(30)
}
