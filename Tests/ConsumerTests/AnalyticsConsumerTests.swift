import Consumer
import Database
import Events
import Foundation
import Kafka
import NIOHTTP1
import PostgresNIO
import Testing
import TestSupport
@testable import AnalyticsService

@Suite("analytics-service: idempotent consumption, outages, crashes, scaling", .timeLimit(.minutes(3)))
struct AnalyticsConsumerTests {
    static let group = AnalyticsService.group

    @Test
    func theSameEventTwiceIsAppliedOnceAlsoWhenRedrivenFromTheDeadLetterTopic() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { service in
                    let user = UUID()
                    let create = TestEvents.updated(user, version: 1, changed: [.name, .email, .bio])
                    let rename = TestEvents.updated(user, version: 2, name: "Ada King", changed: [.name])
                    try await world.publish([create, rename, rename])
                    try await eventually("3 records consumed") { try await world.lag(Self.group) == 0 }
                    try await eventually("one duplicate counted") {
                        try await service.get("/analytics/summary", as: AnalyticsSummary.self).duplicatesSkipped == 1
                    }

                    // Two records on the dead-letter topic, as if an incident had dead-lettered them:
                    // one was applied meanwhile (a duplicate), one was not.
                    let bio = TestEvents.updated(user, version: 3, bio: "Analyst", changed: [.bio])
                    try await world.publish([rename, bio], to: world.deadLetterTopic(Self.group), extraHeaders: [
                        KafkaHeader(name: DeadLetter.errorClassHeader, string: "exhausted"),
                        KafkaHeader(name: DeadLetter.originalTopicHeader, string: world.topic),
                    ])
                    let redriven = try await DeadLetterRedrive(configuration: world.configuration(Self.group, database: database), logger: testLogger("redrive")).run()
                    #expect(redriven == 2)
                    let again = try await DeadLetterRedrive(configuration: world.configuration(Self.group, database: database), logger: testLogger("redrive")).run()
                    #expect(again == 0, "a second redrive finds nothing new")

                    try await eventually("the redriven records are consumed") { try await world.lag(Self.group) == 0 }
                    let summary = try await service.get("/analytics/summary", as: AnalyticsSummary.self)
                    #expect(summary.eventsApplied == 3)
                    #expect(summary.duplicatesSkipped == 2)
                    #expect(summary.profileUpdates == 2)
                    #expect(summary.users == 1)
                    #expect(summary.updatesByField == ["name": 1, "email": 0, "bio": 1])
                    #expect(try await database.count("processed_events") == 3)
                    let activity = try await service.get("/analytics/users/\(user.uuidString.lowercased())", as: UserActivity.self)
                    #expect(activity.updates == 2)
                    #expect(activity.lastVersion == 3)
                    #expect(activity.deleted == false)
                    #expect(service.metric(#"consumer_events_total{outcome="duplicate"}"#) == 2)
                }
            }
        }
    }

    @Test
    func aDatabaseOutageHoldsTheOffsetsAndEveryEventIsAppliedOnceAfterRecovery() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { service in
                    let users = (0..<10).map { _ in UUID() }
                    try await world.publish(users.map { TestEvents.updated($0, version: 1) })
                    try await eventually("the first 10 applied") { try await database.count("processed_events") == 10 }

                    try await Self.setConnections(allowed: false, database: database)
                    try await world.publish(users.map { TestEvents.updated($0, version: 2, bio: "during the outage", changed: [.bio]) })
                    try await eventually("the lag metric shows the outage", timeout: .seconds(15)) {
                        let status = service.status()
                        return status == .error || status == .stalled
                    }
                    #expect(try await world.lag(Self.group) == 10, "offsets do not advance while the database is down")
                    #expect(try await TopicReader.readAll(world.deadLetterTopic(Self.group), from: world.broker).isEmpty, "nothing dead-lettered")

                    try await Self.setConnections(allowed: true, database: database)
                    try await eventually("all 20 applied after recovery", timeout: .seconds(30)) {
                        try await world.lag(Self.group) == 0
                    }
                    let summary = try await service.get("/analytics/summary", as: AnalyticsSummary.self)
                    #expect(summary.eventsApplied == 20)
                    #expect(summary.profileUpdates == 10)
                    #expect(summary.duplicatesSkipped == 0)
                    #expect(try await TopicReader.readAll(world.deadLetterTopic(Self.group), from: world.broker).isEmpty)
                    try await eventually("the lag line is OK again") { service.status() == .ok }
                }
            }
        }
    }

    @Test
    func eventsRedeliveredAfterACrashBetweenDatabaseCommitAndOffsetCommitAreSkipped() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                let users = (0..<12).map { _ in UUID() }
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { _ in
                    try await world.publish(users.map { TestEvents.updated($0, version: 1) })
                    try await eventually("12 applied and committed") { try await world.lag(Self.group) == 0 }
                }
                // The state a crash right after the database commit leaves: events applied, offsets not committed.
                try await Self.rewindGroup(world: world)
                #expect(try await world.lag(Self.group) == 12)

                try await withConsumerService(AnalyticsService.self, world: world, database: database) { service in
                    try await eventually("the redelivered events are consumed") { try await world.lag(Self.group) == 0 }
                    let summary = try await service.get("/analytics/summary", as: AnalyticsSummary.self)
                    #expect(summary.eventsApplied == 12)
                    #expect(summary.duplicatesSkipped == 12)
                    #expect(summary.users == 12)
                    #expect(try await database.count("processed_events") == 12)
                }
            }
        }
    }

    @Test
    func aPoisonRecordReadAgainAfterACrashBeforeTheOffsetCommitYieldsOneDeadLetter() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                let user = UUID()
                let poison = TestRecord(key: user.uuidString.lowercased(), text: "not json at all")
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { _ in
                    try await world.publish([TestEvents.updated(user, version: 1), poison])
                    try await eventually("consumed and committed") { try await world.lag(Self.group) == 0 }
                    _ = try await TopicReader.read(world.deadLetterTopic(Self.group), from: world.broker, count: 1)
                }
                // The state a crash between the batch's transaction and its offset commit leaves
                // (or a member evicted in between): the next owner reads the poison record again.
                try await Self.rewindGroup(world: world)
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { service in
                    try await eventually("read again and committed") { try await world.lag(Self.group) == 0 }
                    #expect(try await service.get("/analytics/summary", as: AnalyticsSummary.self).duplicatesSkipped == 1, "the good record was read again")
                    #expect(try await database.count("dead_letter_outbox") == 1, "the dead letter was recorded once")
                    #expect(try await database.count("dead_letter_outbox", where: "published_at IS NULL") == 0)
                }
                let letters = try await TopicReader.readAll(world.deadLetterTopic(Self.group), from: world.broker)
                #expect(letters.count == 1, "one dead letter for one poison record, got \(letters.count)")
            }
        }
    }

    @Test
    func twoInstancesShareThePartitionsAndTheSurvivorTakesOverPromptly() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { survivor in
                    try await withConsumerService(AnalyticsService.self, world: world, database: database) { leaving in
                        try await eventually("both instances joined and applied events", timeout: .seconds(30), interval: .milliseconds(250)) {
                            try await world.publish((0..<12).map { _ in TestEvents.updated(UUID(), version: 1) })
                            return (survivor.metric(#"consumer_events_total{outcome="applied"}"#) ?? 0) > 0 && (leaving.metric(#"consumer_events_total{outcome="applied"}"#) ?? 0) > 0
                        }
                    }
                    // The second instance has shut down gracefully and left the group.
                    try await eventually("what was published so far is consumed", timeout: .seconds(15)) { try await world.lag(Self.group) == 0 }
                    let before = try await database.count("processed_events")
                    try await world.publish((0..<30).map { _ in TestEvents.updated(UUID(), version: 1) })
                    // The bound on the hand-over is this wait's own limit.
                    try await eventually("the survivor applies events of every partition within 15 s", timeout: .seconds(15)) {
                        try await world.lag(Self.group) == 0
                    }
                    #expect(try await database.count("processed_events") == before + 30)
                    // Rebalances redeliver what was applied but not yet committed: dedup absorbs it, and every
                    // record on the topic is applied exactly once.
                    let records = try await world.admin.watermarks(topic: world.topic).values.reduce(0) { $0 + Int($1.high) }
                    #expect(try await database.count("processed_events") == records)
                    let summary = try await survivor.get("/analytics/summary", as: AnalyticsSummary.self)
                    #expect(Int(summary.eventsApplied) == records)
                }
            }
        }
    }

    @Test
    func recordsDeletedByRetentionBeforeTheyWereConsumedAreReportedNotSilentlySkipped() async throws {
        try await withConsumerWorld(partitions: 1) { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { _ in
                    try await world.publish((0..<3).map { _ in TestEvents.updated(UUID(), version: 1) })
                    try await eventually("3 applied and committed") { try await world.lag(Self.group) == 0 }
                }
                // While the service is down, ~9 MB arrive (4,000 events with the longest bio the rules allow):
                // the mock broker keeps about 5 MB per partition, so the oldest unconsumed records are deleted
                // before anyone reads them.
                let bio = String(repeating: "b", count: 2000)
                for _ in 0..<4 {
                    try await world.publish((0..<1000).map { _ in TestEvents.updated(UUID(), version: 1, bio: bio) })
                }
                let marks = try await world.admin.watermarks(topic: world.topic)
                let logStart = try #require(marks[0]).low
                try #require(logStart > 3, "the broker deleted unconsumed records (log start \(logStart))")

                try await withConsumerService(AnalyticsService.self, world: world, database: database) { service in
                    try await eventually("the rest is consumed", timeout: .seconds(30)) { try await world.lag(Self.group) == 0 }
                    #expect(service.metric("consumer_offsets_skipped_total") == Double(logStart - 3), "offsets 3…\(logStart - 1) reported")
                    #expect(try await database.count("processed_events") == 3 + 4000 - Int(logStart - 3))
                }
            }
        }
    }

    /// Refuses (or allows again) new connections to the test database and ends the current ones.
    static func setConnections(allowed: Bool, database: TestDatabase) async throws {
        let name = database.url.database
        try await TestDatabase.withAdminConnection(try TestDatabase.serverURL()) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \"\(name)\" WITH ALLOW_CONNECTIONS \(allowed)"), logger: logger)
            if !allowed {
                try await connection.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(name) AND pid <> pg_backend_pid()",
                    logger: logger
                )
            }
        }
    }

    /// Commits offset 0 on every partition for the analytics group (its members are gone).
    static func rewindGroup(world: ConsumerWorld) async throws {
        let consumer = try KafkaConsumer(configuration: world.broker.consumerConfiguration(group: group), logger: world.broker.logger)
        try await consumer.subscribe(topics: [world.topic])
        let partitions = try await eventuallyValue("the rewinding member gets the partitions", timeout: .seconds(30)) { () -> [TopicPartition]? in
            _ = try await consumer.poll(maxMessages: 1, timeout: .milliseconds(200))
            let assigned = try await consumer.assignment()
            return assigned.count == 6 ? assigned : nil
        }
        try await consumer.commit(nextOffsets: Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) }))
        await consumer.close()
    }
}
