import Kafka

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
        configuration.properties = consumerProperties
        return configuration
    }
}
