import AsyncPrimitives
import Database
import Foundation
import Kafka
import Logging
import PostgresNIO
import TestSupport
import Testing
@testable import Consumer

/// The dead-letter publisher sends each recorded letter once, also after a
/// publisher crashed between the broker's acknowledgement and marking the row.
@Suite("dead-letter outbox: each letter published once", .timeLimit(.minutes(2)))
struct DeadLetterPublisherTests {
    static let group = "analytics-service"

    @Test
    func aLetterAPublisherSentJustBeforeCrashingIsNotSentAgain() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                let client = try await Self.migrated(database)
                let outbox = DeadLetterOutbox(database: client, logger: database.logger)
                let topic = world.deadLetterTopic(Self.group)
                let letters = (0..<2).map { offset in
                    DeadLetter(
                        original: KafkaConsumerMessage(
                            topic: world.topic, partition: 3, offset: Int64(offset), key: Array("k\(offset)".utf8), value: Array("poison \(offset)".utf8),
                            headers: [], timestampMilliseconds: nil
                        ),
                        errorClass: .permanent, error: "not a JSON object", attempts: 1, group: Self.group
                    )
                }
                let recorded = try await client.withTransaction { connection in
                    try await DeadLetterOutbox.record(letters, topic: topic, on: connection, logger: database.logger)
                }
                #expect(recorded == 2)
                let again = try await client.withTransaction { connection in
                    try await DeadLetterOutbox.record(letters, topic: topic, on: connection, logger: database.logger)
                }
                #expect(again == 0, "a letter for the same original record is recorded once")

                // A first publisher claims both, gets the first onto the topic, and dies before marking anything.
                let watermarks = try await world.admin.watermarks(topic: topic).mapValues(\.high)
                let claimed = try await outbox.claim(limit: 10, for: .seconds(60), watermarks: watermarks)
                #expect(claimed.count == 2)
                _ = try await world.producer.send(claimed[0].message)
                _ = try await database.client.query("UPDATE dead_letter_outbox SET claimed_until = now() - interval '1 second'").collect()

                let publisher = Self.publisher(of: outbox, to: topic, in: world)
                #expect(try await publisher.publishOnce() == 2)
                #expect(try await database.count("dead_letter_outbox", where: "published_at IS NULL") == 0)
                #expect(try await publisher.publishOnce() == 0, "nothing left to send")
                let onTopic = try await TopicReader.readAll(topic, from: world.broker)
                #expect(onTopic.map(\.value) == letters.map(\.original.value), "each letter exactly once, in order: \(onTopic.map(\.offset))")
            }
        }
    }

    /// Once the dead-letter topic has a letter, the table keeps where its record came from (which
    /// still stops a second letter for it), not its value: a poison record can carry a profile
    /// that must not outlive its user here. A letter waiting to be published keeps its value.
    @Test
    func aPublishedDeadLetterKeepsItsCoordinatesButNotItsValue() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                let client = try await Self.migrated(database)
                let topic = world.deadLetterTopic(Self.group)
                let value = Array(#"{"data":{"name":"Ada\u0000","email":"ada@example.com"}}"#.utf8)
                let letter = DeadLetter(
                    original: KafkaConsumerMessage(
                        topic: world.topic, partition: 1, offset: 7, key: Array("a-user".utf8), value: value, headers: [], timestampMilliseconds: nil
                    ),
                    errorClass: .permanent, error: "field rule: data.name: name must not contain control characters", attempts: 1, group: Self.group
                )
                let record = { @Sendable in
                    try await client.withTransaction { connection in
                        try await DeadLetterOutbox.record([letter], topic: topic, on: connection, logger: database.logger)
                    }
                }
                #expect(try await record() == 1)
                let storedValue = { @Sendable in
                    try await database.client.query("SELECT message_value FROM dead_letter_outbox").collect().map {
                        Array(try $0.decode(Data.self))
                    }
                }
                #expect(try await storedValue() == [value], "waiting to be published: the value is kept")

                let outbox = DeadLetterOutbox(database: client, logger: database.logger)
                #expect(try await Self.publisher(of: outbox, to: topic, in: world).publishOnce() == 1)
                #expect(try await storedValue() == [[]], "published: the table keeps no value")
                #expect(try await TopicReader.readAll(topic, from: world.broker).map(\.value) == [value], "the topic has the record byte for byte")
                #expect(try await record() == 0, "the coordinates kept still stop a second letter for the same record")
            }
        }
    }

    /// The consumer runtime's tables on a fresh database.
    static func migrated(_ database: TestDatabase) async throws -> DatabaseClient {
        try await MigrationRunner(
            service: "consumer", migrationsPath: nil, client: database.client, historyTable: "schema_migrations_consumer", logger: database.logger
        ).migrate()
        return DatabaseClient(pool: database.client, logger: database.logger)
    }

    static func publisher(of outbox: DeadLetterOutbox, to topic: String, in world: ConsumerWorld) -> DeadLetterPublisher {
        DeadLetterPublisher(
            outbox: outbox, producer: world.producer, admin: world.admin,
            makeReader: { try KafkaConsumer(configuration: world.broker.consumerConfiguration(group: "dlq-check"), logger: world.broker.logger) },
            topic: topic, group: Self.group, wakeUp: WakeUpSignal(), logger: testLogger("dead-letters")
        )
    }
}
