import CRdKafka
import Logging
import Synchronization

/// A member of a Kafka consumer group with manual offset commits.
///
/// Every call into librdkafka that can block runs on the client's own queue, so
/// none blocks Swift's cooperative thread pool. Rebalances are applied by the
/// wrapper (eager protocol) and reported in the next ``KafkaConsumerBatch``.
///
/// Await ``close()`` before dropping the consumer: it leaves the group at once, so
/// the other members take over the partitions without waiting for a session
/// time-out. A consumer that joined a group and is dropped unclosed logs a warning and
/// leaves the group only when its handle is destroyed (on the client's queue, never on the
/// releasing thread); one that never subscribed (a service shut down before it started)
/// has no group to leave.
public final class KafkaConsumer: Sendable {
    private let client: RdKafkaClient
    private let closed = Atomic<Bool>(false)
    private let subscribed = Atomic<Bool>(false)

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.client = try RdKafkaClient(type: RD_KAFKA_CONSUMER, properties: configuration.librdkafkaProperties, logger: logger) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        }
        // Route the main queue (errors, rebalances) through rd_kafka_consumer_poll.
        rd_kafka_poll_set_consumer(client.handle)
    }

    deinit {
        if subscribed.load(ordering: .acquiring), !closed.load(ordering: .acquiring) {
            client.context.logger.warning("KafkaConsumer dropped without close(): it leaves its group only as its handle is destroyed")
        }
    }

    /// A property of this client's librdkafka configuration as the handle holds it, or `nil`
    /// if it has none. For tests that check what reached librdkafka.
    package func configurationValue(_ name: String) -> String? {
        client.configurationValue(name)
    }

    /// Joins the group for these topics.
    public func subscribe(topics: [String]) async throws(KafkaError) {
        subscribed.store(true, ordering: .releasing)
        let err = await client.runBlocking { handle in
            let list = TopicPartitionList(topics.map { TopicPartition(topic: $0, partition: Int32(RD_KAFKA_PARTITION_UA)) })
            return rd_kafka_subscribe(handle, list.pointer)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "subscribe") }
    }

    /// Reads these partitions from these offsets, outside any group rebalance
    /// (no `subscribe`): for reading a known range of a topic, such as the
    /// dead-letter publisher's check of what an earlier attempt already wrote.
    public func assign(_ offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        let err = await client.runBlocking { handle in
            let list = TopicPartitionList(offsets: offsets)
            return rd_kafka_assign(handle, list.pointer)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "assign") }
    }

    /// Waits up to `timeout` for the first record, then takes what is
    /// immediately available, up to `maxMessages`.
    public func poll(maxMessages: Int = 500, timeout: Duration = .milliseconds(100)) async throws(KafkaError) -> KafkaConsumerBatch {
        guard !closed.load(ordering: .acquiring) else { throw .shutDown }
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        let context = client.context
        return await client.runBlocking { handle in
            var batch = KafkaConsumerBatch()
            var wait = timeoutMilliseconds
            while batch.messages.count < maxMessages {
                let message = rd_kafka_consumer_poll(handle, wait)
                // A rebalance is served inside the call: a message it returns comes after it.
                let rebalances = context.drainRebalances()
                if !rebalances.isEmpty {
                    if batch.rebalances.isEmpty { batch.messagesBeforeRebalances = batch.messages.count }
                    batch.rebalances += rebalances
                }
                guard let message else { break }
                defer { rd_kafka_message_destroy(message) }
                if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    batch.errors.append(KafkaError(message.pointee.err, context: Self.describeError(message)))
                    continue
                }
                wait = 0
                batch.messages.append(Self.copy(message))
            }
            if batch.rebalances.isEmpty { batch.messagesBeforeRebalances = batch.messages.count }
            return batch
        }
    }

    /// Commits the given next offsets (the offset of the next record to read,
    /// that is, last processed + 1) synchronously.
    public func commit(nextOffsets: [TopicPartition: Int64]) async throws(KafkaError) {
        guard !nextOffsets.isEmpty else { return }
        let err = await client.runBlocking { handle in
            let list = TopicPartitionList(offsets: nextOffsets)
            let err = rd_kafka_commit(handle, list.pointer, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { return err }
            return list.elements.first { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }?.error ?? RD_KAFKA_RESP_ERR_NO_ERROR
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "commit") }
    }

    /// Commits past the given processed records: for each partition, the highest offset + 1.
    public func commit(processed messages: [KafkaConsumerMessage]) async throws(KafkaError) {
        try await commit(nextOffsets: Self.nextOffsets(after: messages))
    }

    /// The next offset to commit per partition for a set of processed records.
    private static func nextOffsets(after messages: [KafkaConsumerMessage]) -> [TopicPartition: Int64] {
        messages.reduce(into: [:]) { offsets, message in
            offsets[message.topicPartition] = max(offsets[message.topicPartition] ?? 0, message.offset + 1)
        }
    }

    /// Stops fetching from these partitions until ``resume(_:)``. A rebalance clears pauses.
    public func pause(_ partitions: [TopicPartition]) async throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let err = await client.runBlocking { handle in
            let list = TopicPartitionList(partitions)
            return rd_kafka_pause_partitions(handle, list.pointer)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "pause") }
    }

    /// Fetches from these paused partitions again.
    public func resume(_ partitions: [TopicPartition]) async throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let err = await client.runBlocking { handle in
            let list = TopicPartitionList(partitions)
            return rd_kafka_resume_partitions(handle, list.pointer)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "resume") }
    }

    /// The partitions currently assigned to this member.
    public func assignment() async throws(KafkaError) -> [TopicPartition] {
        let result: Result<[TopicPartition], KafkaError> = await client.runBlocking { handle in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return .failure(KafkaError(err, context: "assignment")) }
            let owned = TopicPartitionList(owning: list)
            return .success(withExtendedLifetime(owned) { TopicPartitionList.partitions(owned.pointer) })
        }
        return try result.get()
    }

    /// The group's committed next offsets for these partitions (`nil` where none).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(5)) async throws(KafkaError) -> [TopicPartition: Int64?] {
        try await Self.committed(handle: client, partitions: partitions, timeout: timeout)
    }

    static func committed(handle client: RdKafkaClient, partitions: [TopicPartition], timeout: Duration) async throws(KafkaError) -> [TopicPartition: Int64?] {
        guard !partitions.isEmpty else { return [:] }
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        let result: Result<[TopicPartition: Int64?], KafkaError> = await client.runBlocking { handle in
            let list = TopicPartitionList(partitions)
            let err = rd_kafka_committed(handle, list.pointer, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(err, context: "committed offsets")) }
            var offsets: [TopicPartition: Int64?] = [:]
            for element in list.elements {
                offsets[element.partition] = element.offset >= 0 ? element.offset : nil
            }
            return .success(offsets)
        }
        return try result.get()
    }

    /// Leaves the group (revoking the assignment at once) and stops the consumer.
    /// Await it before dropping the consumer. Safe to call more than once.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await client.runBlocking { handle in
            _ = rd_kafka_consumer_close(handle)
        }
    }

    private static func copy(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let record = message.pointee
        let value = record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []
        let key = record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let headerValue = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: headerValue))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaConsumerMessage(
            topic: String(cString: rd_kafka_topic_name(record.rkt)),
            partition: record.partition,
            offset: record.offset,
            key: key,
            value: value,
            headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }

    private static func describeError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
        var text = message.pointee.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.len), as: UTF8.self) } ?? "consume"
        if let topic = message.pointee.rkt {
            text += " (\(String(cString: rd_kafka_topic_name(topic)))[\(message.pointee.partition)] offset \(message.pointee.offset))"
        }
        return text
    }
}

/// Applies assignments with the eager protocol and records them for the next poll.
private func kafkaRebalanceCallback(
    _ rk: OpaquePointer?, _ err: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let rk else { return }
    let context = RdKafkaClientContext.from(opaque)
    let changed = TopicPartitionList.partitions(partitions)
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        rd_kafka_assign(rk, partitions)
        context?.recordRebalance(.assigned(changed))
        context?.logger.info("partitions assigned", metadata: ["partitions": "\(changed.map(\.description).joined(separator: ","))"])
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        rd_kafka_assign(rk, nil)
        context?.recordRebalance(.revoked(changed))
        context?.logger.info("partitions revoked", metadata: ["partitions": "\(changed.map(\.description).joined(separator: ","))"])
    default:
        rd_kafka_assign(rk, nil)
        context?.recordRebalance(.revoked(changed))
        context?.logger.error("rebalance failed", metadata: ["error": "\(KafkaError(err))"])
    }
}
