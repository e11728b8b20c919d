import AsyncPrimitives
import Consumer
import ConsumerService
import Database
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import NIOHTTP1
import Observability
import PostgresNIO
import ServiceBootstrap
import Testing
import TestSupport
@testable import AnalyticsService
@testable import SearchService
@testable import UserService

/// `rebuild`: a projection built anew from the topic beside the live one and
/// switched in atomically, while the service answers and writes go on.
@Suite("rebuild: a projection anew from the topic, switched in atomically", .timeLimit(.minutes(4)))
struct RebuildTests {
    /// Every search document, one line per user.
    static let searchRows: PostgresQuery = "SELECT concat_ws('|', user_id, version, deleted, name, email, bio) FROM user_documents ORDER BY user_id"
    /// Every analytics row, and the counters (but the duplicates a redelivery adds).
    static let analyticsRows: PostgresQuery = """
        SELECT concat_ws('|', user_id, updates, last_version, deleted, last_event_at) FROM user_activity
        UNION ALL SELECT concat_ws('|', name, value) FROM analytics_counters WHERE name <> 'duplicates_skipped'
        ORDER BY 1
        """

    @Test
    func searchRebuiltWhileServingEqualsTheLiveIndexAndReadersNeverSeeAUserGoMissingOrBack() async throws {
        try await Self.rebuildWhileServing(SearchService.self, rows: Self.searchRows) { searchPort, ids in
            // A reader polls every user during the second rebuild: never a 404, never an older version.
            let reader = HTTPTestClient(port: searchPort)
            return { stop in
                var seen: [String: Int64] = [:]
                var problems: [String] = []
                var reads = 0
                while !stop.isOpen {
                    for id in ids {
                        let response = try await reader.send(.GET, "/search/users/\(id)")
                        reads += 1
                        guard response.status == 200 else {
                            problems.append("\(id): status \(response.status)")
                            continue
                        }
                        let version = try response.decode(IndexedDocument.self).version
                        if version < seen[id, default: 0] { problems.append("\(id): version \(version) after \(seen[id]!)") }
                        seen[id] = version
                    }
                }
                return (reads, problems)
            }
        }
    }

    @Test
    func analyticsRebuiltWhileServingEqualsTheLiveCountsAndAppliesEveryEventOnce() async throws {
        try await Self.rebuildWhileServing(AnalyticsService.self, rows: Self.analyticsRows, makeReader: nil, verify: { analytics, outboxEvents in
            let applied = try await analytics.client.query("SELECT value FROM analytics_counters WHERE name = 'events_applied'").collect()[0].decode(Int.self)
            #expect(applied == outboxEvents, "every event applied once: the counter equals the events published")
        })
    }

    @Test
    func aTopicMissingItsFirstRecordsIsRefusedUntilASnapshotCoversThem() async throws {
        let world = try SystemWorld()
        try await withTestDatabase(prefix: "users") { users in
            try await users.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            try await withTestDatabase(prefix: "search") { search in
                try await search.migrate(SearchService.schema(migrationsPath: nil))
                let userService = try await buildApplication(configuration: world.userService(users), role: .apiAndRelay, telemetry: Telemetry(), logger: testLogger("user-service"))
                try await userService.test(.live) { client in
                    let api = HTTPTestClient(port: client.port!)
                    var ids: [String] = []
                    for index in 0..<12 {
                        let created = try await api.send(.POST, "/users", body: #"{"name":"Old \#(index)","email":"old\#(index)@example.com"}"#)
                        ids.append(try #require(try created.json()["id"] as? String))
                    }
                    _ = try await api.write(.PATCH, "/users/\(ids[0])", body: #"{"bio":"changed"}"#)
                    _ = try await api.write(.DELETE, "/users/\(ids[1])")
                    try await Self.waitForOutboxDrained(users)

                    // Retention: about 6 MB more per partition makes the mock broker drop each partition's first records.
                    let producer = try KafkaProducer(configuration: world.broker.producerConfiguration(), logger: world.broker.logger)
                    try await withRunningService(producer) {
                        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
                        for partition in Int32(0)..<6 {
                            let batch = (0..<60).map { _ in KafkaProducerMessage(topic: world.topic, partition: partition, key: Array("filler".utf8), value: filler) }
                            for result in await producer.sendBatch(batch) { _ = try result.get() }
                        }
                    }
                    let admin = try KafkaAdmin(bootstrapServers: world.broker.bootstrapServers, logger: world.broker.logger)
                    let marks = try await admin.watermarks(topic: world.topic)
                    try #require(marks.values.allSatisfy { $0.low > 0 }, "the broker dropped the first records of every partition: \(marks)")

                    let configuration = world.consumer(SearchService.group, search).consumer
                    let rebuild = Self.rebuild(SearchService.self, configuration)
                    let refusal = await #expect(throws: RebuildError.self) { _ = try await rebuild.run(fromSnapshot: false) { _ in } }
                    #expect(refusal?.code == .historyLost)
                    #expect(refusal?.message.contains("user-service snapshot") == true, "it says what to do")
                    #expect(refusal?.message.contains("--from-snapshot") == true)

                    // The snapshot puts every user's current state (and the tombstone) on the topic again.
                    let database = DatabaseClient(pool: users.client, logger: users.logger)
                    _ = try await Snapshot(database: database, store: UserStore(database: database, logger: users.logger), logger: users.logger).run(chunk: 5) { _ in }
                    try await Self.waitForOutboxDrained(users)
                    _ = try await Self.rebuild(SearchService.self, configuration).run(fromSnapshot: true) { _ in }

                    let expected = try await users.client.query(
                        """
                        SELECT concat_ws('|', id, version, false) FROM users
                        UNION ALL SELECT concat_ws('|', id, version, true) FROM user_tombstones ORDER BY 1
                        """
                    ).collect().map { try $0.decode(String.self) }
                    let rebuilt = try await search.client.query("SELECT concat_ws('|', user_id, version, deleted) FROM user_documents ORDER BY 1")
                        .collect().map { try $0.decode(String.self) }
                    #expect(expected.count == 12)
                    #expect(rebuilt == expected, "the rebuilt index holds the source's state, the deleted user as a tombstone")
                }
            }
        }
    }

    // MARK: The scenario both services go through

    /// A reader running while the rebuild does: returns how many reads it made and what it saw wrong.
    typealias Reader = @Sendable (AsyncLatch) async throws -> (reads: Int, problems: [String])

    /// Users written through the API, the projection converged; rebuild once quietly (the rebuilt rows equal the
    /// live ones), then again while writes go on and `reader` reads (every write reaches the rebuilt projection,
    /// each event in its dedup table once; the reader, if any, read every live user while the rebuild ran
    /// and saw nothing wrong).
    static func rebuildWhileServing<Definition: ConsumerServiceDefinition>(
        _ definition: Definition.Type, rows: PostgresQuery,
        makeReader: (@Sendable (_ port: Int, _ liveUsers: [String]) -> Reader)?,
        verify: @escaping @Sendable (TestDatabase, Int) async throws -> Void = { _, _ in }
    ) async throws {
        let world = try SystemWorld()
        try await withTestDatabase(prefix: "users") { users in
            try await users.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            try await withTestDatabase(prefix: "projection") { projection in
                try await projection.migrate(Definition.schema(migrationsPath: nil))
                let configuration = world.consumer(Definition.group, projection)
                let consumerApp = try await ConsumerApplication.build(Definition.self, configuration: configuration, telemetry: Telemetry(), logger: testLogger(Definition.group))
                let userService = try await buildApplication(configuration: world.userService(users), role: .apiAndRelay, telemetry: Telemetry(), logger: testLogger("user-service"))
                try await userService.test(.live) { userClient in
                    try await consumerApp.test(.live) { consumerClient in
                        let api = HTTPTestClient(port: userClient.port!)
                        var ids: [String] = []
                        for index in 0..<30 {
                            let created = try await api.send(.POST, "/users", body: #"{"name":"User \#(index)","email":"user\#(index)@example.com"}"#)
                            ids.append(try #require(try created.json()["id"] as? String))
                        }
                        for id in ids.prefix(10) { _ = try await api.write(.PATCH, "/users/\(id)", body: #"{"bio":"second"}"#) }
                        for id in ids.suffix(3) { _ = try await api.write(.DELETE, "/users/\(id)") }
                        let live = Array(ids.dropLast(3))
                        try await waitUntilApplied(users, projection)
                        let before = try await projection.client.query(rows).collect().map { try $0.decode(String.self) }
                        #expect(before.count >= 27)

                        // A quiet rebuild: the same rows, exactly.
                        let summary = try await rebuild(Definition.self, configuration.consumer).run(fromSnapshot: false) { _ in }
                        #expect(summary.startOffsets.values.allSatisfy { $0 == 0 })
                        let after = try await projection.client.query(rows).collect().map { try $0.decode(String.self) }
                        #expect(after == before, "the rebuilt projection equals the live one, row for row")

                        // A rebuild while writes go on and a reader reads.
                        let stop = AsyncLatch()
                        let reader = makeReader?(consumerClient.port!, live)
                        async let writes: Int = {
                            var count = 0
                            while !stop.isOpen {
                                let response = try await api.write(.PATCH, "/users/\(live[count % live.count])", body: #"{"bio":"write \#(count)"}"#)
                                if response.status == 200 { count += 1 }
                            }
                            return count
                        }()
                        async let reading = reader?(stop)
                        var failure: (any Error)?
                        do {
                            _ = try await rebuild(Definition.self, configuration.consumer).run(fromSnapshot: false) { _ in }
                        } catch {
                            failure = error
                        }
                        stop.open()
                        let (written, read) = try await (writes, reading)
                        if let failure { throw failure }
                        #expect(written > 0, "writes went on during the rebuild")
                        if let read {
                            // A reader that read nothing would see no problem: it must have read every live user.
                            #expect(read.reads >= live.count, "the reader read every live user during the rebuild (\(read.reads) reads)")
                            #expect(read.problems.isEmpty, "\(read.problems.count) bad reads of \(read.reads): \(read.problems.prefix(5))")
                        }
                        try await waitUntilApplied(users, projection)
                        let outboxEvents = try await users.client.query("SELECT count(*) FROM outbox").collect()[0].decode(Int.self)
                        let processed = try await projection.client.query("SELECT count(*) FROM processed_events").collect()[0].decode(Int.self)
                        #expect(processed == outboxEvents, "every event in the rebuilt dedup table once, none missing")
                        try await verify(projection, outboxEvents)
                    }
                }
            }
        }
    }

    static func rebuild<Definition: ConsumerServiceDefinition>(_ definition: Definition.Type, _ configuration: ConsumerConfiguration) -> ProjectionRebuild {
        ProjectionRebuild(
            configuration: configuration, projection: Definition.makeProjection(logger: testLogger("rebuild")),
            projectionTables: Definition.Projection.tables, schema: Definition.schema(migrationsPath: nil), logger: testLogger("rebuild")
        )
    }

    /// Every outbox row published and every event in the projection's dedup table.
    static func waitUntilApplied(_ users: TestDatabase, _ projection: TestDatabase) async throws {
        try await waitForOutboxDrained(users)
        let published = try await users.client.query("SELECT count(*) FROM outbox").collect()[0].decode(Int.self)
        try await eventually("the projection applied all \(published) events", timeout: .seconds(30)) {
            try await projection.client.query("SELECT count(*) FROM processed_events").collect()[0].decode(Int.self) == published
        }
    }

    static func waitForOutboxDrained(_ users: TestDatabase) async throws {
        try await eventually("the relay published every outbox row", timeout: .seconds(30)) {
            try await users.client.query("SELECT count(*) FROM outbox WHERE published_at IS NULL").collect()[0].decode(Int.self) == 0
        }
    }
}
