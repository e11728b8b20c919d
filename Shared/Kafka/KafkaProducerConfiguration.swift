/// Settings of a ``KafkaProducer``. Defaults give an idempotent producer that
/// waits for all in-sync replicas (`enable.idempotence=true`, `acks=all`).
public struct KafkaProducerConfiguration: Sendable {
    /// Comma-separated `host:port` list.
    public var bootstrapServers: String
    public var clientID: String = "event-driven-users"
    public var idempotent: Bool = true
    /// How long a record may wait in the producer's batch before it is sent.
    public var lingerMilliseconds: Int = 5
    /// Upper bound on the time from `send` to its delivery report (success or failure).
    public var deliveryTimeoutMilliseconds: Int = 30_000
    /// How long a graceful shutdown waits for outstanding records to be acknowledged.
    public var flushTimeoutMilliseconds: Int = 10_000
    /// TLS and SASL towards the brokers (``KafkaSecurity``); none by default.
    public var security = KafkaSecurity()
    /// Raw librdkafka properties, applied last (they win over the fields above).
    public var properties: [String: String] = [:]

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka configuration this produces.
    public var librdkafkaProperties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "enable.idempotence": idempotent ? "true" : "false",
            "acks": "all",
            "linger.ms": String(lingerMilliseconds),
            "message.timeout.ms": String(deliveryTimeoutMilliseconds),
            "reconnect.backoff.ms": "50",
            "reconnect.backoff.max.ms": "1000",
            // TCP_NODELAY, as Kafka's own clients set it: with Nagle's algorithm a request
            // written in pieces waits for the broker's delayed ACK (40 ms on Linux).
            "socket.nagle.disable": "true",
        ]
        result.merge(security.librdkafkaProperties) { _, new in new }
        result.merge(properties) { _, new in new }
        return result
    }
}
