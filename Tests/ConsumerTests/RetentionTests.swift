import Consumer
import Database
import Foundation
import Observability
import PostgresNIO
import Testing
import TestSupport
@testable import SearchService

/// The consumer's tables stay bounded: old dedup rows and old tombstones are
/// purged in batches; what is within retention stays and still works.
@Suite("consumers: retention of dedup rows and tombstones", .timeLimit(.minutes(2)))
struct RetentionTests {
    @Test
    func purgesRemoveExactlyTheOldRowsAndALateDuplicateWithinRetentionIsStillAbsorbed() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { service in
                    let (a, b, c) = (UUID(), UUID(), UUID())
                    let recent = TestEvents.updated(c, version: 1)
                    try await world.publish([
                        TestEvents.updated(a, version: 1), TestEvents.updated(b, version: 1), TestEvents.deleted(b, version: 2), recent,
                    ])
                    try await eventually("applied") { try await database.count("processed_events") == 4 }
                    // Age A's and B's rows, and B's tombstone, past a one-hour retention.
                    _ = try await database.client.query(
                        "UPDATE processed_events SET processed_at = now() - interval '2 hours' WHERE user_id = ANY(\([a, b]))"
                    ).collect()
                    _ = try await database.client.query(
                        "UPDATE user_documents SET indexed_at = now() - interval '2 hours' WHERE user_id = \(b)"
                    ).collect()

                    let telemetry = Telemetry()
                    let purger = RetentionPurger(
                        database: DatabaseClient(pool: database.client, logger: database.logger), projection: SearchProjection(logger: database.logger),
                        dedupRetention: .seconds(3600), tombstoneRetention: .seconds(3600), batchSize: 2,
                        metrics: ConsumerMetrics(registry: telemetry.registry), logger: testLogger("purger")
                    )
                    let purged = try await purger.purgeOnce()
                    #expect(purged.dedupRows == 3, "A's create, B's create and delete; in batches of 2")
                    #expect(purged.tombstones == 1, "B's tombstone")
                    #expect(try await database.count("processed_events") == 1)
                    #expect(try await database.count("user_documents") == 2, "A's live document (old but not a tombstone) and C's stay")
                    #expect(telemetry.render().contains("consumer_dedup_rows_purged_total 3"))
                    #expect(telemetry.render().contains("consumer_tombstones_purged_total 1"))
                    #expect(try await purger.purgeOnce() == (0, 0), "nothing old is left")

                    // A late duplicate of an event still within retention is absorbed.
                    try await world.publish([recent])
                    try await eventually("the duplicate was counted, not applied") {
                        (service.metric(#"consumer_events_total{outcome="duplicate"}"#) ?? 0) == 1
                    }
                    #expect(try await database.count("processed_events") == 1)
                }
            }
        }
    }
}
