import Kafka
import Logging

/// user-service's Kafka clients, each with ``UserServiceConfiguration/kafkaSecurity``.
extension UserServiceConfiguration {
    /// The relay's producer.
    var producerConfiguration: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: kafkaBrokers)
        configuration.clientID = "user-service"
        // Records never time out in the producer (0 = no limit): while the broker is unreachable they
        // wait, in order, and librdkafka reconnects with its own capped backoff. A local time-out
        // would fail a user's record while a later one of the same user, sent a moment after it,
        // could still be delivered once the broker returns: the topic would hold version 4 before
        // versions 2 and 3 (seen in OutboxRelayTests with a 1.5 s time-out). Shutdown still ends:
        // the producer flushes for a bounded time, then purges.
        configuration.deliveryTimeoutMilliseconds = 0
        // The relay hands the producer whole batches: lingering 5 ms (the default) only delays the
        // records of a quiet moment (commit→delivered p50 ~18 → ~9 ms at 500 writes/s, drain unchanged).
        configuration.lingerMilliseconds = 1
        configuration.security = kafkaSecurity
        configuration.properties = producerProperties
        return configuration
    }

    /// The admin behind `/ready`'s broker check and the relay's partition and offset reads.
    func makeAdmin(logger: Logger) throws(KafkaError) -> KafkaAdmin {
        try KafkaAdmin(bootstrapServers: kafkaBrokers, security: kafkaSecurity, properties: producerProperties, logger: logger)
    }
}
