import CRdKafka
import Logging
import Synchronization

/// Cluster inspection: list a topic's partitions, read log-end and committed
/// offsets, and compute a group's lag from them. (Topics are created by the
/// broker's own tooling, or through ``MockKafkaCluster`` in development.)
public final class KafkaAdmin: Sendable {
    private let client: RdKafkaClient
    private let bootstrapServers: String
    /// The security settings and raw properties, applied over each handle's own settings.
    private let sharedProperties: [String: String]
    private let logger: Logger
    /// One consumer-type handle per group, used only to read that group's committed offsets.
    private let groupClients = Mutex<[String: RdKafkaClient]>([:])

    /// - Parameters:
    ///   - security: TLS and SASL towards the brokers, for every handle the admin opens.
    ///   - properties: raw librdkafka properties, applied last.
    public init(
        bootstrapServers: String, security: KafkaSecurity = KafkaSecurity(), properties: [String: String] = [:], logger: Logger
    ) throws(KafkaError) {
        self.bootstrapServers = bootstrapServers
        self.sharedProperties = security.librdkafkaProperties.merging(properties) { _, new in new }
        self.logger = logger
        var all = ["bootstrap.servers": bootstrapServers, "client.id": "event-driven-users-admin"]
        all.merge(sharedProperties) { _, new in new }
        self.client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: all, logger: logger)
    }

    /// A property of the admin's librdkafka configuration as the handle holds it, or `nil` if
    /// it has none; `group` reads the handle that reads that group's offsets instead (opening
    /// it if needed). For tests that check what reached librdkafka.
    package func configurationValue(_ name: String, group: String? = nil) throws(KafkaError) -> String? {
        guard let group else { return client.configurationValue(name) }
        return try groupClient(for: group).configurationValue(name)
    }

    /// Partition ids of a topic, from the cluster metadata.
    public func partitions(of topic: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> [Int32] {
        try await client.partitions(of: topic, timeout: timeout)
    }

    /// Whether the cluster answers a metadata request within the time-out.
    public func isReachable(timeout: Duration = .seconds(2)) async -> Bool {
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        return await client.runBlocking { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return err == RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }

    /// Low and high watermarks (log start, log end) per partition.
    public func watermarks(topic: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> [Int32: (low: Int64, high: Int64)] {
        let partitions = try await partitions(of: topic, timeout: timeout)
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        let result: Result<[Int32: (low: Int64, high: Int64)], KafkaError> = await client.runBlocking { handle in
            var marks: [Int32: (low: Int64, high: Int64)] = [:]
            for partition in partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMilliseconds)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(err, context: "watermarks \(topic)[\(partition)]")) }
                marks[partition] = (low, high)
            }
            return .success(marks)
        }
        return try result.get()
    }

    /// A group's committed next offset per partition of the topic (`nil` where none).
    public func committedOffsets(group: String, topic: String) async throws(KafkaError) -> [Int32: Int64?] {
        let partitions = try await partitions(of: topic)
        let groupClient = try groupClient(for: group)
        let offsets = try await KafkaConsumer.committed(
            handle: groupClient, partitions: partitions.map { TopicPartition(topic: topic, partition: $0) }, timeout: .seconds(5)
        )
        return Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.partition, $0.value) })
    }

    /// Per-partition lag of a group on a topic: log end − committed.
    public func lag(group: String, topic: String) async throws(KafkaError) -> [PartitionLag] {
        let marks = try await watermarks(topic: topic)
        let committed = try await committedOffsets(group: group, topic: topic)
        return marks.keys.sorted().map { partition in
            let (low, high) = marks[partition]!
            let offset = committed[partition] ?? nil
            return PartitionLag(partition: partition, logEndOffset: high, committedOffset: offset, lag: max(0, high - (offset ?? low)))
        }
    }

    private func groupClient(for group: String) throws(KafkaError) -> RdKafkaClient {
        let result: Result<RdKafkaClient, KafkaError> = groupClients.withLock { clients in
            if let existing = clients[group] { return .success(existing) }
            var all = [
                "bootstrap.servers": bootstrapServers, "group.id": group,
                "client.id": "event-driven-users-admin", "enable.auto.commit": "false",
            ]
            all.merge(sharedProperties) { _, new in new }
            do throws(KafkaError) {
                let created = try RdKafkaClient(type: RD_KAFKA_CONSUMER, properties: all, logger: logger)
                clients[group] = created
                return .success(created)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
