import Kafka
import Logging

/// Every Kafka client a consumer service makes is configured here, each with the
/// service's ``ConsumerConfiguration/kafkaSecurity``, so none can connect without it.
extension ConsumerConfiguration {
    /// The librdkafka settings of a group consumer of ``topic``: the service's own group,
    /// or another one (a rebuild's), with this configuration's time-outs and extra properties.
    public func groupConsumerConfiguration(group: String? = nil) -> KafkaConsumerConfiguration {
        let group = group ?? self.group
        var configuration = KafkaConsumerConfiguration(bootstrapServers: kafkaBrokers, groupID: group)
        configuration.clientID = group
        configuration.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        configuration.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        configuration.fetchWaitMaxMilliseconds = fetchWaitMaxMilliseconds
        configuration.security = kafkaSecurity
        configuration.properties = consumerProperties
        return configuration
    }

    /// A rebuild's consumer: a group of its own that starts from the earliest retained offset.
    public func rebuildConsumerConfiguration(group: String) -> KafkaConsumerConfiguration {
        var configuration = groupConsumerConfiguration(group: group)
        configuration.autoOffsetReset = "earliest"
        return configuration
    }

    /// The producer that publishes dead letters to ``deadLetterTopic``.
    public var deadLetterProducerConfiguration: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: kafkaBrokers)
        configuration.clientID = "\(group)-dlq"
        configuration.deliveryTimeoutMilliseconds = 10_000
        configuration.security = kafkaSecurity
        configuration.properties = consumerProperties.filter { $0.key != "debug" }
        return configuration
    }

    /// The consumer that reads ``deadLetterTopic`` back, in its group `<group>-dlq-check`, to
    /// find what an interrupted publish already delivered.
    public var deadLetterCheckConsumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: kafkaBrokers, groupID: "\(group)-dlq-check")
        configuration.security = kafkaSecurity
        configuration.properties = consumerProperties.filter { $0.key != "debug" }
        return configuration
    }

    /// The redrive's group: `<group>-redrive`.
    public var redriveGroup: String { "\(group)-redrive" }

    /// The redrive's consumer of ``deadLetterTopic``, in ``redriveGroup``.
    public var redriveConsumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: kafkaBrokers, groupID: redriveGroup)
        configuration.security = kafkaSecurity
        configuration.properties = consumerProperties
        return configuration
    }

    /// The redrive's producer, which puts dead letters back on the topic they came from.
    public var redriveProducerConfiguration: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: kafkaBrokers)
        configuration.clientID = redriveGroup
        configuration.security = kafkaSecurity
        configuration.properties = consumerProperties
        return configuration
    }

    /// The admin that reads watermarks, partitions and committed offsets (lag, `/ready`,
    /// the dead-letter check, redrive and rebuild).
    public func makeAdmin(logger: Logger) throws(KafkaError) -> KafkaAdmin {
        try KafkaAdmin(bootstrapServers: kafkaBrokers, security: kafkaSecurity, properties: consumerProperties, logger: logger)
    }
}
