import Database
import Events
import Foundation
import Kafka
import Logging
import NIOHTTP1
import Observability
import PostgresNIO
import ServiceLifecycle
import Testing
import TestSupport
@testable import UserService

@Suite("Outbox relay: delivery, ordering, outages, leadership", .timeLimit(.minutes(3)))
struct OutboxRelayTests {
    /// Versions per user in topic order, from the records read through the contract; every
    /// record must be signed with the relay's key and verify.
    static func versionsByUser(_ messages: [KafkaConsumerMessage]) throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for message in messages {
            #expect(message.headers.string(named: "content-type") == "application/cloudevents+json")
            #expect(message.headers.map(\.name) == ["content-type", RecordSignature.keyIDHeader, RecordSignature.signatureHeader], "structured mode: no ce_* headers")
            #expect(message.headers.string(named: RecordSignature.keyIDHeader) == TestEventKeys.signing.id)
            try RecordSignature.verify(
                key: message.key, value: message.value, keyID: message.headers.string(named: RecordSignature.keyIDHeader),
                signature: message.headers.string(named: RecordSignature.signatureHeader), keys: TestEventKeys.verify
            )
            let (user, version): (String, Int64) = switch try EventContract.decode(key: message.key, value: message.value) {
            case .profileUpdated(let event): (event.data.userId, event.data.version)
            case .deleted(let event): (event.data.userId, event.data.version)
            case .heartbeat: throw TestFailure("a heartbeat among the user events")
            }
            #expect(message.keyString == user, "the record key is the user id")
            result[user, default: []].append(Int(version))
        }
        return result
    }

    @Test func thousandConcurrentUpdatesReachTheTopicInPerUserVersionOrder() async throws {
        try await withUserService { service in
            let users = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 {
                    group.addTask { try await service.createUser(name: "User \(index)")["id"] as! String }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let updatesPerUser = 20
            // 16 concurrent clients share the 1,000 updates; each update changes the bio, so each emits.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<16 {
                    group.addTask {
                        var index = client
                        while index < users.count * updatesPerUser {
                            let user = users[index % users.count]
                            let response = try await service.http.write(.PATCH, "/users/\(user)", body: #"{"bio":"update \#(index)"}"#)
                            guard response.status == 200 else { throw TestFailure("update \(index): \(response.status) \(response.text)") }
                            index += 16
                        }
                    }
                }
                try await group.waitForAll()
            }
            let expected = users.count * (updatesPerUser + 1)
            #expect(try await service.count("outbox") == expected)
            let messages = try await TopicReader.read(service.topic, from: service.broker, count: expected)
            let versions = try Self.versionsByUser(messages)
            #expect(versions.count == users.count)
            for user in users {
                var seen: [Int] = []
                for version in versions[user] ?? [] where seen.last != version { seen.append(version) }
                #expect(seen == Array(1...(updatesPerUser + 1)), "user \(user): versions in topic order \(versions[user] ?? [])")
            }
            try await eventually("every outbox row is marked published") {
                try await service.count("outbox", where: "published_at IS NULL") == 0
            }
        }
    }

    @Test func heartbeatsReachEveryPartitionBehindEveryRowTheirWatermarkCovers() async throws {
        try await withUserService { service in
            for index in 0..<12 { _ = try await service.createUser(name: "Beat \(index)") }
            let partitions = try await KafkaAdmin(bootstrapServers: service.broker.bootstrapServers, logger: service.broker.logger)
                .partitions(of: service.topic)
            var records: [KafkaConsumerMessage] = []
            try await eventually("a heartbeat on every partition after the 12 events", timeout: .seconds(30), interval: .milliseconds(500)) {
                records = try await TopicReader.readAll(service.topic, from: service.broker, includingHeartbeats: true)
                let dataCount = records.filter { $0.keyString != "heartbeat" }.count
                let lastDataOffset = Dictionary(grouping: records.filter { $0.keyString != "heartbeat" }, by: \.partition).mapValues { $0.map(\.offset).max()! }
                let beatsAfterData = Set(records.filter { $0.keyString == "heartbeat" && $0.offset > (lastDataOffset[$0.partition] ?? -1) }.map(\.partition))
                return dataCount == 12 && beatsAfterData == Set(partitions)
            }
            // The watermark's promise: every event created before it is ahead of the heartbeat in its partition.
            for heartbeat in records where heartbeat.keyString == "heartbeat" {
                let read = try heartbeat.readEvent()
                let event = try #require(read.event.heartbeat, "a heartbeat's key on a \(read.event.type)")
                #expect(event.type == EventType.heartbeat.rawValue)
                #expect(event.subject == nil)
                let watermark = try #require(read.watermark)
                #expect(RFC3339.parse(event.data.watermark) == watermark)
                for record in records where record.keyString != "heartbeat" && record.partition == heartbeat.partition {
                    if try record.readEvent().time < watermark {
                        #expect(record.offset < heartbeat.offset, "an event created before a heartbeat's watermark is ahead of it")
                    }
                }
            }
            #expect((service.metric("outbox_heartbeats_total") ?? 0) >= 1)
        }
    }

    @Test func writesSucceedWhileTheBrokerIsDownAndTheBacklogDrainsAfterwards() async throws {
        try await withUserService { service in
            let id = try #require(try await service.createUser()["id"] as? String)
            _ = try await TopicReader.read(service.topic, from: service.broker, count: 1)

            service.broker.cluster.setBrokerDown()
            for index in 0..<30 {
                let response = try await service.http.write(.PATCH, "/users/\(id)", body: #"{"bio":"offline \#(index)"}"#)
                #expect(response.status == 200, "writes are accepted while the broker is down")
            }
            let created = try await service.createUser(name: "Offline")
            #expect(created["version"] as? Int == 1)
            try await eventually("outbox_pending shows the backlog", timeout: .seconds(30)) {
                (service.metric("outbox_pending") ?? 0) >= 31
            }
            #expect(try await service.count("outbox", where: "published_at IS NULL") == 31)

            service.broker.cluster.setBrokerUp()
            try await eventually("outbox_pending drains to 0", timeout: .seconds(60)) {
                service.metric("outbox_pending") == 0
            }
            #expect(try await service.count("outbox", where: "published_at IS NULL") == 0)
            // 1 create + 30 patches of the first user, 1 create of the second.
            let messages = try await TopicReader.read(service.topic, from: service.broker, count: 32)
            let versions = try Self.versionsByUser(messages)
            var seen: [Int] = []
            for version in versions[id] ?? [] where seen.last != version { seen.append(version) }
            #expect(seen == Array(1...31), "nothing lost, in order")
        }
    }

    /// A deleted user's rows: those still unpublished when it was deleted reach the topic as they
    /// were written, in order, and once its delete is published no published row keeps its name,
    /// email or bio (the rows stay, with the user id, version and changed fields). A user that still
    /// exists keeps its published rows as they are.
    @Test func aDeletedUsersPublishedRowsKeepNoProfileAndItsUnpublishedOnesArePublishedAsWritten() async throws {
        try await withUserService(role: .apiOnly) { service in
            // No relay yet: every row waits, and the user is deleted before any is published.
            let goneEarly = try #require(try await service.createUser(name: "Gone Early", email: "gone-early@example.com", bio: "first")["id"] as? String)
            #expect(try await service.http.write(.PATCH, "/users/\(goneEarly)", body: #"{"bio":"second"}"#).status == 200)
            let kept = try #require(try await service.createUser(name: "Kept", email: "kept@example.com")["id"] as? String)
            #expect(try await service.http.write(.DELETE, "/users/\(goneEarly)").status == 204)

            let relay = try RelayInstance(service: service)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.group.run() }
                let messages = try await TopicReader.read(service.topic, from: service.broker, count: 4)
                #expect(try Self.versionsByUser(messages)[goneEarly] == [1, 2, 3], "in order")
                let published = try messages.filter { $0.keyString == goneEarly }.map { try $0.readEvent().event }
                #expect(published.count == 3, "\(published)")
                #expect(published.first?.profileUpdated?.data.email == "gone-early@example.com", "published as written: \(published)")
                #expect(published.dropFirst().first?.profileUpdated?.data.bio == "second", "published as written: \(published)")
                #expect(published.last?.deleted != nil, "\(published)")
                try await eventually("every row is marked published") { try await service.count("outbox", where: "published_at IS NULL") == 0 }
                #expect(try await Self.rowsWithProfile(of: goneEarly, service) == 0, "marked after the delete: purged as they are marked")
                #expect(try await service.count("outbox", where: "aggregate_id = '\(goneEarly)'") == 3, "the rows stay")
                #expect(try await service.count(
                    "outbox", where: "aggregate_id = '\(goneEarly)' AND event_type = 'UserProfileUpdated' AND (payload::jsonb #>> '{data,userId}') = '\(goneEarly)'"
                    + " AND payload::jsonb #> '{data,version}' IS NOT NULL AND payload::jsonb #> '{data,changedFields}' IS NOT NULL"
                ) == 2, "the user id, version and changed fields stay")
                #expect(try await Self.rowsWithProfile(of: kept, service) == 1, "another user's row is untouched")

                // Published while the user exists: kept as they are, then purged once its delete is published.
                let goneLate = try #require(try await service.createUser(name: "Gone Late", email: "gone-late@example.com")["id"] as? String)
                try await eventually("its create is published") {
                    try await service.count("outbox", where: "aggregate_id = '\(goneLate)' AND published_at IS NOT NULL") == 1
                }
                #expect(try await Self.rowsWithProfile(of: goneLate, service) == 1, "a user that exists keeps its published rows")
                #expect(try await service.http.write(.DELETE, "/users/\(goneLate)").status == 204)
                try await eventually("its delete is published") {
                    try await service.count("outbox", where: "aggregate_id = '\(goneLate)' AND published_at IS NOT NULL") == 2
                }
                #expect(try await Self.rowsWithProfile(of: goneLate, service) == 0, "purged in the statement that marked the delete")
                #expect(try await service.count("outbox", where: "strpos(payload, 'gone-') > 0") == 0)
                await relay.group.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// The partial failure that per-user blocking is for, on a real (mock) broker: the partitions
    /// are split over two brokers and one is taken down, so the deliveries of a user whose
    /// partition it leads fail (time out in the relay's producer), while those of users on the
    /// other broker succeed.
    @Test
    func aUsersFailedDeliveryHoldsBackItsLaterRowsWhileOtherUsersRowsArePublished() async throws {
        let broker = try TestBroker(brokers: 2)
        try await withUserService(role: .apiOnly, broker: broker) { service in
            // Partitions 0-2 on broker 1, 3-5 on broker 2; set before the relay's producer asks for metadata.
            let partitions = try await KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger).partitions(of: service.topic)
            for partition in partitions {
                try broker.cluster.setPartitionLeader(topic: service.topic, partition: partition, brokerID: partition < 3 ? 1 : 2)
            }
            let relay = try RelayInstance(service: service, deliveryTimeoutMilliseconds: 2_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.group.run() }
                var users: [String] = []
                // 24 users: all on one broker's partitions is a chance of 2 in 2^24 (with 12 it was 1 in 2,048).
                for index in 0..<24 { users.append(try #require(try await service.createUser(name: "Split \(index)")["id"] as? String)) }
                let creates = try await TopicReader.read(service.topic, from: broker, count: users.count)
                let partitionOf = Dictionary(creates.map { ($0.keyString ?? "", $0.partition) }, uniquingKeysWith: { first, _ in first })
                let failing = try #require(users.first { (partitionOf[$0] ?? 0) >= 3 }, "a user on broker 2 among \(partitionOf)")
                let others = users.filter { (partitionOf[$0] ?? 3) < 3 }.prefix(3)
                try #require(!others.isEmpty, "users on broker 1 among \(partitionOf)")
                let othersList = others.map { "'\($0)'" }.joined(separator: ", ")

                broker.cluster.setBrokerDown(2)
                // The failing user's update comes first, so its failure is the oldest; the others'
                // rows share its batches and follow them, and its later rows are behind its failed one.
                func update(_ user: String, _ bio: String) async throws {
                    let response = try await service.http.write(.PATCH, "/users/\(user)", body: #"{"bio":"\#(bio)"}"#)
                    guard response.status == 200 else { throw TestFailure("update of \(user): \(response.status) \(response.text)") }
                }
                try await update(failing, "held 2")
                for user in others { try await update(user, "goes on 2") }
                try await update(failing, "held 3")
                for user in others { try await update(user, "goes on 3") }
                try await update(failing, "held 4")

                try await eventually("the other users' rows are published while \(failing)'s wait", timeout: .seconds(60), interval: .milliseconds(200)) {
                    try await service.count("outbox", where: "aggregate_id IN (\(othersList)) AND published_at IS NULL") == 0
                }
                #expect(try await service.count("outbox", where: "aggregate_id = '\(failing)' AND published_at IS NULL") == 3,
                        "none of the failing user's rows is marked: its later rows wait behind the failed one")
                // Counted just after the settled batch's rows are marked, so awaited rather than read at once.
                try await eventually("its deliveries counted as failed (versions 2 and 3 at least)", timeout: .seconds(10)) {
                    (relay.metric("outbox_publish_failures_total") ?? 0) >= 2
                }

                // Later rounds (after the backoff) go on for the others, and still hold the failing user back.
                for user in others { try await update(user, "goes on 4") }
                try await eventually("the other users' next rows are published too", timeout: .seconds(60), interval: .milliseconds(200)) {
                    try await service.count("outbox", where: "aggregate_id IN (\(othersList)) AND published_at IS NULL") == 0
                }
                #expect(try await service.count("outbox", where: "aggregate_id = '\(failing)' AND published_at IS NULL") == 3)

                broker.cluster.setBrokerUp(2)
                try await eventually("every row is published once the broker is back", timeout: .seconds(60), interval: .milliseconds(200)) {
                    try await service.count("outbox", where: "published_at IS NULL") == 0
                }
                let versions = try Self.versionsByUser(try await TopicReader.readAll(service.topic, from: broker))
                // Re-sent rows may repeat (and a copy of a later row delivered before the broker went
                // down again may come early); where each version was last written is where the relay
                // finally published it: in order, none missing.
                #expect(Self.lastOccurrences(versions[failing] ?? []) == [1, 2, 3, 4], "\(failing): \(versions[failing] ?? [])")
                for user in others {
                    #expect(Self.lastOccurrences(versions[user] ?? []) == [1, 2, 3, 4], "\(user): \(versions[user] ?? [])")
                }
                await relay.group.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// The versions in the order of their last occurrence.
    static func lastOccurrences(_ versions: [Int]) -> [Int] {
        var seen: Set<Int> = []
        return versions.reversed().filter { seen.insert($0).inserted }.reversed()
    }

    /// How many of the user's outbox rows still hold a name, email or bio.
    static func rowsWithProfile(of user: String, _ service: UserServiceHarness) async throws -> Int {
        try await service.count("outbox", where: "aggregate_id = '\(user)' AND (payload::jsonb -> 'data') ?| ARRAY['name', 'email', 'bio']")
    }

    /// Waits until exactly one of the relays leads; returns its index.
    static func leaderIndex(of relays: [RelayInstance]) async throws -> Int {
        try await eventuallyValue("exactly one relay leads") { () -> Int? in
            let leading = relays.indices.filter { relays[$0].metric("outbox_relay_leader") == 1 }
            return leading.count == 1 ? leading[0] : nil
        }
    }

    @Test
    func onlyOneRelayPublishesAndAStandbyTakesOverWhenTheLeaderDies() async throws {
        try await withUserService(role: .apiOnly) { service in
            let relays = [try RelayInstance(service: service), try RelayInstance(service: service)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for relay in relays { group.addTask { try await relay.group.run() } }
                let leaderIndex = try await Self.leaderIndex(of: relays)
                let leader = relays[leaderIndex]
                let standby = relays[1 - leaderIndex]
                #expect(standby.metric("outbox_relay_leader") == 0)
                for index in 0..<10 { _ = try await service.createUser(name: "Led \(index)") }
                _ = try await TopicReader.read(service.topic, from: service.broker, count: 10)
                try await eventually("the leader counted its ten deliveries") { leader.metric("outbox_published_total") == 10 }
                #expect((standby.metric("outbox_published_total") ?? 0) == 0, "the standby published nothing")

                // The leader stops; its connections close and the lock is released. The first
                // of the group's tasks to end is the leader's.
                await leader.group.triggerGracefulShutdown()
                try await group.next()
                try await eventually("the standby takes over", timeout: .seconds(15)) {
                    standby.metric("outbox_relay_leader") == 1
                }
                for index in 0..<5 { _ = try await service.createUser(name: "Took over \(index)") }
                _ = try await TopicReader.read(service.topic, from: service.broker, count: 15)
                try await eventually("the new leader published the rest") {
                    standby.metric("outbox_published_total") == 5
                }
                await standby.group.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test
    func aStandbyWhoseConnectionWasTerminatedStillTakesOverPromptly() async throws {
        try await withUserService(role: .apiOnly) { service in
            let relays = [try RelayInstance(service: service), try RelayInstance(service: service)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for relay in relays { group.addTask { try await relay.group.run() } }
                let leaderIndex = try await Self.leaderIndex(of: relays)
                let standby = relays[1 - leaderIndex]
                // The standby's session: it asks for the lock, and does not hold it.
                let standbyPID = try await eventuallyValue("the standby's backend is found") { () -> Int32? in
                    try await service.database.client.query(
                        """
                        SELECT pid FROM pg_stat_activity
                        WHERE datname = current_database() AND query LIKE '%pg_try_advisory_lock%' AND pid <> pg_backend_pid()
                          AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)
                        """
                    ).collect().first?.decode(Int32.self)
                }
                _ = try await service.database.client.query("SELECT pg_terminate_backend(\(standbyPID))").collect()

                // The leader goes away. Before connection losses were detected, the standby's next lock
                // attempt went to its closed connection and waited out the whole 30 s step limit.
                await relays[leaderIndex].group.triggerGracefulShutdown()
                try await eventually("the standby takes over within seconds", timeout: .seconds(10)) {
                    standby.metric("outbox_relay_leader") == 1
                }
                _ = try await service.createUser(name: "After the takeover")
                _ = try await TopicReader.read(service.topic, from: service.broker, count: 1)
                try await eventually("the new leader published it") { standby.metric("outbox_published_total") == 1 }
                await standby.group.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}

/// A relay-only instance (its own pool, producer and metrics) on the harness's database and topic.
struct RelayInstance: Sendable {
    let telemetry = Telemetry()
    let group: ServiceGroup

    /// `deliveryTimeoutMilliseconds`: how long a record may wait in the relay's producer before
    /// its delivery fails (user-service itself never times records out).
    init(service: UserServiceHarness, deliveryTimeoutMilliseconds: Int = 30_000) throws {
        let logger = testLogger("relay")
        let postgres = PostgresClient(configuration: service.database.url.clientConfiguration(maximumConnections: 4), backgroundLogger: logger)
        let producer = try KafkaProducer(
            configuration: service.broker.producerConfiguration(deliveryTimeoutMilliseconds: deliveryTimeoutMilliseconds), logger: logger
        )
        var configuration = OutboxRelayConfiguration()
        configuration.topic = service.topic
        configuration.pollInterval = .milliseconds(200)
        configuration.standbyRetryInterval = .milliseconds(200)
        let relay = OutboxRelay(
            database: service.database.url, producer: producer,
            admin: try KafkaAdmin(bootstrapServers: service.broker.bootstrapServers, logger: logger), configuration: configuration,
            signingKey: TestEventKeys.signing, metrics: OutboxMetrics(registry: telemetry.registry), logger: logger
        )
        group = ServiceGroup(configuration: .init(services: [postgres, producer, relay], logger: logger))
    }

    func metric(_ name: String) -> Double? {
        MetricText.value(name, in: telemetry.render())
    }
}
