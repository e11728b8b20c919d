import ArgumentParser
import AsyncPrimitives
import Foundation
import Kafka
import Logging

/// The reference for the consumers: read a topic from the start with a fresh group, nothing else.
struct RawConsume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consume", abstract: "Raw librdkafka consume rate from the start of a topic.")

    @Option var brokers = "127.0.0.1:9092"
    @Option var topic = "user-events"
    @Option var count: Int

    func run() async throws {
        var logger = Logger(label: "load-generator")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: brokers, groupID: "bench-raw-\(UUID().uuidString.prefix(8))"), logger: logger
        )
        try await consumer.subscribe(topics: [topic])
        var read = 0
        var first: ContinuousClock.Instant?
        let clock = ContinuousClock()
        while read < count {
            let batch = try await consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
            if first == nil, !batch.messages.isEmpty { first = clock.now }
            read += batch.messages.count
        }
        let elapsed = clock.now - (first ?? clock.now)
        let seconds = elapsed.inSeconds
        await consumer.close()
        print(String(format: "records=%d seconds=%.2f rate=%.0f", read, seconds, Double(read) / max(seconds, 0.001)))
    }
}
