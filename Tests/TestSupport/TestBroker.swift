import Foundation
import Kafka
import Logging

/// An in-process librdkafka mock cluster for one suite, with fault injection.
public final class TestBroker: Sendable {
    public let cluster: MockKafkaCluster
    public let logger: Logger

    /// `brokers` above 1 lets a test put partitions on different brokers and fail one of them.
    public init(label: String = "test-broker", brokers: Int = 1) throws {
        let logger = testLogger(label)
        self.logger = logger
        cluster = try MockKafkaCluster(brokers: brokers, logger: logger)
    }

    public var bootstrapServers: String { cluster.bootstrapServers }

    /// Creates a topic with a unique name and returns the name.
    public func makeTopic(_ prefix: String = "topic", partitions: Int = 6) throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try cluster.createTopic(name, partitions: partitions)
        return name
    }

    public func producerConfiguration(deliveryTimeoutMilliseconds: Int = 30_000) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.deliveryTimeoutMilliseconds = deliveryTimeoutMilliseconds
        configuration.lingerMilliseconds = 1
        return configuration
    }

    public func consumerConfiguration(group: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: group)
        configuration.sessionTimeoutMilliseconds = 6_000
        configuration.heartbeatIntervalMilliseconds = 500
        if let debug = ProcessInfo.processInfo.environment["TEST_KAFKA_DEBUG"] { configuration.properties["debug"] = debug }
        return configuration
    }
}
