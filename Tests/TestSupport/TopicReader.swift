import EventLog
import Foundation

/// Reads a topic from the beginning in a fresh consumer group, for assertions.
public enum TopicReader {
    /// Reads until `count` records have arrived (fails after `timeout`).
    public static func read(
        _ topic: String, from broker: TestBroker, count: Int, timeout: Duration = .seconds(60)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(
            configuration: broker.consumerConfiguration(group: "reader-\(UUID().uuidString.prefix(8))"), logger: broker.logger
        )
        try await consumer.subscribe(topics: [topic])
        var messages: [KafkaConsumerMessage] = []
        do {
            try await eventually("\(count) records on \(topic) (have \(messages.count))", timeout: timeout) {
                messages += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200)).messages
                return messages.count >= count
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return messages
    }

    /// Reads whatever is on the topic now: up to each partition's log end at the time of the call.
    public static func readAll(_ topic: String, from broker: TestBroker) async throws -> [KafkaConsumerMessage] {
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        let total = try await admin.watermarks(topic: topic).values.reduce(0) { $0 + Int($1.high - $1.low) }
        return total == 0 ? [] : try await read(topic, from: broker, count: total)
    }
}
