import ArgumentParser
import AsyncPrimitives
import Foundation
import Kafka
import Logging

/// The reference for the relay: the same producer settings, no database.
struct RawProduce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "produce", abstract: "Raw librdkafka produce rate (idempotent, acks=all).")

    @Option var brokers = "127.0.0.1:9092"
    @Option var topic: String
    @Option var count = 50_000
    @Option(help: "Value size in bytes.") var size = 450
    @Option(help: "Records per sendBatch, as the relay's batch size.") var batch = 1000

    func run() async throws {
        var logger = Logger(label: "load-generator")
        logger.logLevel = .error
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: brokers), logger: logger)
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            let clock = ContinuousClock()
            let start = clock.now
            var sent = 0
            while sent < count {
                let messages = (sent..<min(count, sent + batch)).map {
                    KafkaProducerMessage(topic: topic, key: Array("user-\($0 % 4096)".utf8), value: value)
                }
                for result in await producer.sendBatch(messages) { _ = try result.get() }
                sent += messages.count
            }
            let elapsed = clock.now - start
            let seconds = elapsed.inSeconds
            print(String(format: "records=%d seconds=%.2f rate=%.0f", sent, seconds, Double(sent) / seconds))
            group.cancelAll()
        }
    }
}
