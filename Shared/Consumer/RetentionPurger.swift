import AsyncPrimitives
import Database
import Logging
import Observability
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// Keeps the consumer's own tables bounded: every `interval` (a ``PeriodicService``) it
/// deletes `processed_events` rows older than `DEDUP_RETENTION`, published dead letters as
/// old, and the projection's tombstones older than `TOMBSTONE_RETENTION`, in statements of
/// at most `batchSize` rows so no statement holds its locks for long.
///
/// Both retentions must exceed the topic's retention plus the longest
/// redelivery delay: a record redelivered after its dedup row was purged would
/// be applied again, and a late older update that finds no tombstone could
/// bring a deleted user back.
public struct RetentionPurger: Service {
    let database: DatabaseClient
    let projection: any EventProjection
    let dedupRetention: Duration
    let tombstoneRetention: Duration
    let interval: Duration
    let batchSize: Int
    let logger: Logger
    let metrics: ConsumerMetrics

    public init(
        database: DatabaseClient, projection: any EventProjection, dedupRetention: Duration, tombstoneRetention: Duration,
        interval: Duration = .seconds(60), batchSize: Int = 10_000, metrics: ConsumerMetrics, logger: Logger
    ) {
        self.database = database
        self.projection = projection
        self.dedupRetention = dedupRetention
        self.tombstoneRetention = tombstoneRetention
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        try await PeriodicService(every: interval, onFailure: { error, _ in
            logger.warning("retention purge failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
        }) {
            try await purgeOnce()
        }.run()
    }

    /// One pass. Dedup rows and tombstones: batch after batch, until a batch comes back
    /// short of `batchSize`. Published dead letters: at most one batch per pass.
    /// Returns the dedup rows and tombstones purged.
    @discardableResult
    public func purgeOnce() async throws -> (dedupRows: Int, tombstones: Int) {
        var dedup = 0
        while true {
            let rows = try await database.query(
                """
                DELETE FROM processed_events WHERE event_id IN (
                    SELECT event_id FROM processed_events WHERE processed_at < now() - make_interval(secs => \(dedupRetention.inSeconds))
                    LIMIT \(batchSize))
                RETURNING 1
                """
            )
            dedup += rows.count
            metrics.dedupRowsPurged.increment(by: Int64(rows.count))
            if rows.count < batchSize { break }
        }
        try await database.query(
            """
            DELETE FROM dead_letter_outbox WHERE id IN (
                SELECT id FROM dead_letter_outbox WHERE published_at < now() - make_interval(secs => \(dedupRetention.inSeconds))
                LIMIT \(batchSize))
            """
        )
        var tombstones = 0
        while true {
            let count = try await projection.purgeTombstones(olderThan: tombstoneRetention, limit: batchSize, database: database)
            tombstones += count
            metrics.tombstonesPurged.increment(by: Int64(count))
            if count < batchSize { break }
        }
        if dedup + tombstones > 0 {
            logger.info("retention purge", metadata: ["dedup_rows": "\(dedup)", "tombstones": "\(tombstones)"])
        }
        return (dedup, tombstones)
    }
}
