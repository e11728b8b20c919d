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
                try await MigrationRunner(
                    service: "consumer", migrationsPath: nil, client: database.client, historyTable: "schema_migrations_consumer", logger: database.logger
                ).migrate()
                let client = DatabaseClient(pool: database.client, logger: database.logger)
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

                let publisher = DeadLetterPublisher(
                    outbox: outbox, producer: world.producer, admin: world.admin,
                    makeReader: { try KafkaConsumer(configuration: world.broker.consumerConfiguration(group: "dlq-check"), logger: world.broker.logger) },
                    topic: topic, group: Self.group, wakeUp: WakeUpSignal(), logger: testLogger("dead-letters")
                )
                #expect(try await publisher.publishOnce() == 2)
                #expect(try await database.count("dead_letter_outbox", where: "published_at IS NULL") == 0)
                #expect(try await publisher.publishOnce() == 0, "nothing left to send")
                let onTopic = try await TopicReader.readAll(topic, from: world.broker)
                #expect(onTopic.map(\.value) == letters.map(\.original.value), "each letter exactly once, in order: \(onTopic.map(\.offset))")
            }
        }
    }
}
