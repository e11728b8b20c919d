import Consumer
import ConsumerService
import Database
import Foundation
import Kafka
import Logging
import NIOHTTP1
import Observability
import PostgresNIO
import Testing
import TestSupport
@testable import AnalyticsService

/// A consumer whose database connection is lost mid-batch retries and applies
/// everything once; a consumer that cannot make progress says so.
@Suite("consumers: a lost database connection, a stuck apply loop", .timeLimit(.minutes(3)))
struct ConnectionLossRecoveryTests {
    static let group = AnalyticsService.group

    @Test
    func aConnectionLostMidBatchIsRetriedAndEveryEventIsAppliedOnce() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                // The consumer reaches PostgreSQL through a proxy that can drop its connections the way a
                // killed server does: the socket just closes, with no error message first.
                let proxy = try await SeverableProxy.start(to: database.url.host, port: database.url.port)
                var proxied = database.url
                proxied.host = "127.0.0.1"
                proxied.port = proxy.port
                try await withConsumerService(AnalyticsService.self, world: world, database: database, configure: { $0.consumer.databaseURL = proxied }) { service in
                    let users = (0..<10).map { _ in UUID() }
                    try await Self.withTableLocked("user_activity", in: database) {
                        try await world.publish(users.map { TestEvents.updated($0, version: 1) })
                        // The batch's transaction is in flight, waiting for the lock: its connection dies under it.
                        _ = try await Self.backendWaitingOnALock(in: database)
                        proxy.sever()
                    }
                    // Before connection losses were detected, the transaction's ROLLBACK went to the closed
                    // connection and never returned: the partitions stayed frozen for good.
                    try await eventually("every event applied after the lost connection", timeout: .seconds(20)) {
                        try await world.lag(Self.group) == 0
                    }
                    let summary = try await service.get("/analytics/summary", as: AnalyticsSummary.self)
                    #expect(summary.eventsApplied == 10)
                    #expect(summary.duplicatesSkipped == 0)
                    #expect(try await database.count("processed_events") == 10)
                    #expect(try await TopicReader.readAll(world.deadLetterTopic(Self.group), from: world.broker).isEmpty, "nothing dead-lettered")
                }
                await proxy.close()
            }
        }
    }

    @Test
    func anApplyLoopWithoutProgressWhileRecordsWaitIsReportedAsErrorAndNotReady() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                let lines = CapturedLines()
                try await withConsumerService(
                    AnalyticsService.self, world: world, database: database,
                    configure: { $0.consumer.stuckAfter = .seconds(2) }, logger: lines.logger(format: .logfmt)
                ) { service in
                    try await eventually("ready before the test starts") { try await service.http.send(.GET, "/ready").status == 200 }
                    try await Self.withTableLocked("user_activity", in: database) {
                        try await world.publish([TestEvents.updated(UUID(), version: 1)])
                        _ = try await Self.backendWaitingOnALock(in: database)
                        try await eventually("the lag line says ERROR", timeout: .seconds(15)) {
                            service.status() == .error
                        }
                        let ready = try await service.http.send(.GET, "/ready")
                        #expect(ready.status == 503)
                        #expect(ready.text.contains("\"consumer\":\"down\""), "\(ready.text)")
                        let stuck = lines.all.first { $0.contains("msg=\"consumer stuck\"") }
                        #expect(stuck?.contains("applying 1 events in one database transaction") == true, "the log says what the loop waits for: \(stuck ?? "no line")")
                    }
                    try await eventually("applied once the lock is gone") { try await world.lag(Self.group) == 0 }
                    try await eventually("ready again") { try await service.http.send(.GET, "/ready").status == 200 }
                    try await eventually("the lag line is OK again") { service.status() == .ok }
                }
            }
        }
    }

    /// Holds an exclusive lock on `table` from another session while `body` runs.
    static func withTableLocked(_ table: String, in database: TestDatabase, _ body: () async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: database.url.connectionConfiguration, id: 99, logger: database.logger
        )
        do {
            try await connection.query("BEGIN", logger: database.logger)
            try await connection.query(PostgresQuery(unsafeSQL: "LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE"), logger: database.logger)
            try await body()
            try await connection.query("COMMIT", logger: database.logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The backend of the consumer's transaction, once it waits on a lock.
    static func backendWaitingOnALock(in database: TestDatabase) async throws -> Int32 {
        try await eventuallyValue("a consumer transaction waits on the lock", timeout: .seconds(15)) {
            try await database.client.query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).collect().first?.decode(Int32.self)
        }
    }
}
