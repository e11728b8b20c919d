import Foundation
import Logging
import Database
import Events
import PostgresNIO

/// Applies events exactly once per event id: the dedup insert into
/// `processed_events` and the projection change share one transaction.
public struct ProcessedEventsStore: Sendable {
    /// What one transaction did.
    public struct Outcome: Sendable, Equatable {
        public var applied: [ConsumedEvent] = []
        public var duplicates = 0
        public var committedAt = Date()
    }

    let database: DatabaseClient
    let projection: any EventProjection
    let logger: Logger

    public init(database: DatabaseClient, projection: any EventProjection, logger: Logger) {
        self.database = database
        self.projection = projection
        self.logger = logger
    }

    /// Records the events that are new and hands them to the projection, records the
    /// batch's dead letters, and keeps its heartbeats' watermarks, all in one transaction.
    public func apply(
        _ events: [ConsumedEvent], deadLetters: [DeadLetter] = [], deadLetterTopic: String = "", watermarks: [Int32: Date] = [:]
    ) async throws -> Outcome {
        guard !events.isEmpty || !deadLetters.isEmpty || !watermarks.isEmpty else { return Outcome() }
        let projection = self.projection
        let logger = self.logger
        let fresh: [ConsumedEvent] = try await database.withTransaction { connection in
            if !deadLetters.isEmpty {
                _ = try await DeadLetterOutbox.record(deadLetters, topic: deadLetterTopic, on: connection, logger: logger)
            }
            if !watermarks.isEmpty {
                let partitions = watermarks.keys.sorted()
                let marks = partitions.map { watermarks[$0] ?? Date() }
                try await connection.query(
                    """
                    INSERT INTO consumer_watermarks (kafka_partition, watermark)
                    SELECT * FROM unnest(\(partitions)::integer[], \(marks)::timestamptz[])
                    ON CONFLICT (kafka_partition) DO UPDATE SET watermark = EXCLUDED.watermark, applied_at = now()
                    """,
                    logger: logger
                )
            }
            guard !events.isEmpty else { return [] }
            let ids = events.map(\.id)
            let types = events.map(\.type.rawValue)
            let users = events.map(\.userID)
            let versions = events.map(\.version)
            let partitions = events.map { Int64($0.partition) }
            let offsets = events.map(\.offset)
            let inserted = try await connection.query(
                """
                INSERT INTO processed_events (event_id, event_type, user_id, version, kafka_partition, kafka_offset)
                SELECT * FROM unnest(\(ids)::uuid[], \(types)::text[], \(users)::uuid[], \(versions)::bigint[], \(partitions)::bigint[], \(offsets)::bigint[])
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id
                """,
                logger: logger
            )
            var newIDs: Set<UUID> = []
            for try await id in inserted.decode(UUID.self) { newIDs.insert(id) }
            // The same id twice in one batch: the first occurrence is applied, the rest are duplicates.
            var fresh: [ConsumedEvent] = []
            for event in events where newIDs.remove(event.id) != nil { fresh.append(event) }
            try await projection.apply(fresh, duplicatesSkipped: events.count - fresh.count, on: connection)
            return fresh
        }
        return Outcome(applied: fresh, duplicates: events.count - fresh.count, committedAt: Date())
    }
}
