import CRdKafka
import Logging
import Synchronization

/// Cluster inspection and topic management: create topics, list partitions,
/// read log-end and committed offsets, and compute a group's lag from them.
public final class KafkaAdmin: Sendable {
    private let client: RdKafkaClient
    private let bootstrapServers: String
    private let properties: [String: String]
    private let logger: Logger
    /// One consumer-type handle per group, used only to read that group's committed offsets.
    private let groupClients = Mutex<[String: RdKafkaClient]>([:])

    public init(bootstrapServers: String, properties: [String: String] = [:], logger: Logger) throws(KafkaError) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
        self.logger = logger
        var all = ["bootstrap.servers": bootstrapServers, "client.id": "event-driven-users-admin"]
        all.merge(properties) { _, new in new }
        self.client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: all, logger: logger)
    }

    /// Creates the topics; a topic that already exists is not an error.
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        guard !topics.isEmpty else { return }
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        let error: KafkaError? = await client.runBlocking { handle in
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            for topic in topics {
                guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorText, errorText.count) else {
                    return KafkaError.configuration("topic \(topic.name): \(String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
                }
                newTopics.append(newTopic)
            }
            let queue = rd_kafka_queue_new(handle)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1000) else {
                return KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: "create topics")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
                return KafkaError(eventError, context: "create topics")
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else { return nil }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return nil }
            for index in 0..<count {
                let err = rd_kafka_topic_result_error(results[index])
                if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                    let name = String(cString: rd_kafka_topic_result_name(results[index]))
                    return KafkaError(err, context: "create topic \(name)")
                }
            }
            return nil
        }
        if let error { throw error }
    }

    /// Partition ids of a topic, from the cluster metadata.
    public func partitions(of topic: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> [Int32] {
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        let result: Result<[Int32], KafkaError> = await client.runBlocking { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { return .failure(KafkaError(err, context: "metadata")) }
            defer { rd_kafka_metadata_destroy(metadata) }
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let entry = metadata.pointee.topics[index]
                guard String(cString: entry.topic) == topic else { continue }
                if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(KafkaError(entry.err, context: "topic \(topic)")) }
                return .success((0..<Int(entry.partition_cnt)).map { entry.partitions[$0].id }.sorted())
            }
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, context: "topic \(topic)"))
        }
        return try result.get()
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

    /// The log-end offset (next offset to be written) per partition.
    public func logEndOffsets(topic: String) async throws(KafkaError) -> [Int32: Int64] {
        try await watermarks(topic: topic).mapValues(\.high)
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
            all.merge(properties) { _, new in new }
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
