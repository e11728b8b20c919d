/// Settings of a ``KafkaConsumer`` in a consumer group. Offsets are never
/// committed automatically: the application commits what it has processed.
public struct KafkaConsumerConfiguration: Sendable {
    public var bootstrapServers: String
    public var groupID: String
    public var clientID: String = "event-driven-users"
    /// Where to start when the group has no committed offset: `earliest` or `latest`.
    public var autoOffsetReset: String = "earliest"
    public var sessionTimeoutMilliseconds: Int = 10_000
    public var heartbeatIntervalMilliseconds: Int = 1_000
    public var maxPollIntervalMilliseconds: Int = 300_000
    /// How long a fetch waits for data on the broker. Kafka answers as soon as data
    /// arrives; librdkafka's mock cluster waits the full time, so this bounds the
    /// end-to-end latency there. Low values only cost idle fetch requests.
    public var fetchWaitMaxMilliseconds: Int = 100
    /// TLS and SASL towards the brokers (``KafkaSecurity``); none by default.
    public var security = KafkaSecurity()
    /// Raw librdkafka properties, applied last.
    public var properties: [String: String] = [:]

    public init(bootstrapServers: String, groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    public var librdkafkaProperties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "client.id": clientID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": autoOffsetReset,
            "session.timeout.ms": String(sessionTimeoutMilliseconds),
            "heartbeat.interval.ms": String(heartbeatIntervalMilliseconds),
            "max.poll.interval.ms": String(maxPollIntervalMilliseconds),
            "fetch.wait.max.ms": String(fetchWaitMaxMilliseconds),
            "partition.assignment.strategy": "range,roundrobin",
            "enable.partition.eof": "false",
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
