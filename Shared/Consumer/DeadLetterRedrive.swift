import Kafka
import Logging

/// Re-publishes a group's dead letters to the topic they came from (the
/// `redrive` subcommand). Each record keeps its key and value byte for byte;
/// the `dlq-*` headers are dropped. The redrive has its own consumer group
/// (`<group>-redrive`), so running it again only re-publishes dead letters
/// added since. Redelivery is safe: consumers skip event ids they have applied.
public struct DeadLetterRedrive: Sendable {
    let configuration: ConsumerConfiguration
    let logger: Logger

    public init(configuration: ConsumerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public var redriveGroup: String { configuration.redriveGroup }

    /// Re-publishes every dead letter present when it starts; returns how many.
    public func run(timeout: Duration = .seconds(60)) async throws -> Int {
        let deadLetterTopic = configuration.deadLetterTopic
        let admin = try configuration.makeAdmin(logger: logger)
        let marks = try await admin.watermarks(topic: deadLetterTopic)
        let committed = try await admin.committedOffsets(group: redriveGroup, topic: deadLetterTopic)
        // What is left per partition: from the redrive group's committed offset (or the log start) to the end now.
        var remaining: [Int32: Int64] = [:]
        for (partition, mark) in marks {
            let start = (committed[partition] ?? nil) ?? mark.low
            if start < mark.high { remaining[partition] = mark.high }
        }
        guard !remaining.isEmpty else {
            logger.info("no dead letters to redrive", metadata: ["topic": "\(deadLetterTopic)"])
            return 0
        }

        let consumer = try KafkaConsumer(configuration: configuration.redriveConsumerConfiguration, logger: logger)
        let producer = try KafkaProducer(configuration: configuration.redriveProducerConfiguration, logger: logger)

        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            defer { group.cancelAll() }
            try await consumer.subscribe(topics: [deadLetterTopic])
            var redriven = 0
            let deadline = ContinuousClock.now + timeout
            while !remaining.isEmpty {
                guard ContinuousClock.now < deadline else {
                    await consumer.close()
                    throw KafkaError.configuration("redrive timed out with dead letters left on partitions \(remaining.keys.sorted())")
                }
                let batch = try await consumer.poll(maxMessages: 500, timeout: .milliseconds(200))
                let wanted = batch.messages.filter { message in remaining[message.partition].map { message.offset < $0 } ?? false }
                let results = await producer.sendBatch(wanted.map { letter in
                    KafkaProducerMessage(
                        topic: letter.headers.string(named: DeadLetter.originalTopicHeader) ?? configuration.topic,
                        key: letter.key, value: letter.value,
                        headers: letter.headers.filter { !$0.name.hasPrefix("dlq-") }
                    )
                })
                for result in results { _ = try result.get() }
                redriven += wanted.count
                try await consumer.commit(processed: batch.messages)
                for message in batch.messages where message.offset + 1 >= (remaining[message.partition] ?? .max) {
                    remaining[message.partition] = nil
                }
            }
            await consumer.close()
            logger.info("dead letters redriven", metadata: ["topic": "\(deadLetterTopic)", "count": "\(redriven)"])
            return redriven
        }
    }
}
