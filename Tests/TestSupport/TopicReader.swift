import Foundation
import Kafka

/// Reads a topic from the beginning in a fresh consumer group, for assertions.
public enum TopicReader {
    /// Reads until `count` records have arrived (fails after `timeout`). The relay's
    /// heartbeats (key `heartbeat`) are left out unless `includingHeartbeats`.
    public static func read(
        _ topic: String, from broker: TestBroker, count: Int, includingHeartbeats: Bool = false, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(
            configuration: broker.consumerConfiguration(group: "reader-\(UUID().uuidString.prefix(8))"), logger: broker.logger
        )
        try await consumer.subscribe(topics: [topic])
        var messages: [KafkaConsumerMessage] = []
        do {
            try await eventually("\(count) records on \(topic) (have \(messages.count))", timeout: timeout) {
                let batch = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)).messages
                messages += includingHeartbeats ? batch : batch.filter { !isHeartbeat($0) }
                return messages.count >= count
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return messages
    }

    /// Reads whatever is on the topic now (up to each partition's log end at the time of the call),
    /// heartbeats left out unless `includingHeartbeats`.
    public static func readAll(
        _ topic: String, from broker: TestBroker, includingHeartbeats: Bool = false, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaConsumerMessage] {
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        let ends = try await admin.watermarks(topic: topic).filter { $0.value.high > $0.value.low }.mapValues(\.high)
        guard !ends.isEmpty else { return [] }
        let consumer = try KafkaConsumer(
            configuration: broker.consumerConfiguration(group: "reader-\(UUID().uuidString.prefix(8))"), logger: broker.logger
        )
        try await consumer.subscribe(topics: [topic])
        var messages: [KafkaConsumerMessage] = []
        var next: [Int32: Int64] = [:]
        do {
            try await eventually("\(topic) read to its end (\(next) of \(ends))", timeout: timeout) {
                for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)).messages
                where message.offset < ends[message.partition] ?? 0 {
                    next[message.partition] = message.offset + 1
                    if includingHeartbeats || !isHeartbeat(message) { messages.append(message) }
                }
                return ends.allSatisfy { partition, end in (next[partition] ?? 0) >= end }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return messages
    }

    static func isHeartbeat(_ message: KafkaConsumerMessage) -> Bool {
        message.keyString == "heartbeat"
    }
}
