import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Admin: partitions, offsets and lag", .timeLimit(.minutes(3)))
struct AdminTests {
    let broker: TestBroker

    init() throws {
        broker = try TestBroker()
    }

    @Test func lagEqualsProducedMinusCommittedPerPartition() async throws {
        let topic = try broker.makeTopic(partitions: 3)
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        #expect(try await admin.partitions(of: topic) == [0, 1, 2])

        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        let counts: [Int32: Int] = [0: 7, 1: 3, 2: 0]
        let messages = counts.flatMap { partition, count in
            (0..<count).map { KafkaProducerMessage(topic: topic, partition: partition, key: Array("k\($0)".utf8), value: Array("v".utf8)) }
        }
        let reports = try await withRunningService(producer) { await producer.sendBatch(messages) }
        #expect(reports.allSatisfy { (try? $0.get()) != nil })
        #expect(try await admin.logEndOffsets(topic: topic) == [0: 7, 1: 3, 2: 0])

        let group = "group-\(UUID().uuidString.prefix(8))"
        var lag = try await admin.lag(group: group, topic: topic)
        #expect(lag.map(\.lag) == [7, 3, 0], "nothing committed: everything is lag")

        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group), logger: broker.logger)
        try await consumer.subscribe(topics: [topic])
        try await eventually("the consumer is assigned every partition", timeout: .seconds(30)) {
            _ = try await consumer.poll(maxMessages: 1, timeout: .milliseconds(100))
            return try await consumer.assignment().count == 3
        }
        try await consumer.commit(nextOffsets: [
            TopicPartition(topic: topic, partition: 0): 5,
            TopicPartition(topic: topic, partition: 1): 3,
        ])
        lag = try await admin.lag(group: group, topic: topic)
        #expect(lag.map(\.lag) == [2, 0, 0])
        #expect(lag.map(\.committedOffset) == [5, 3, nil])
        #expect(lag.map(\.logEndOffset) == [7, 3, 0])
        await consumer.close()
    }

    @Test func unknownTopicIsAClearError() async throws {
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        await #expect(throws: KafkaError.self) { try await admin.partitions(of: "no-such-topic-\(UUID())") }
    }
}
