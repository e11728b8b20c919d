import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent Kafka producer whose sends return after the broker's delivery report.
///
/// The producer is a `Service`: its `run()` serves librdkafka's delivery
/// reports on a dedicated queue until graceful shutdown, then flushes what is
/// still in flight. Sends made while `run()` is not running wait for it.
public final class KafkaProducer: Service, Sendable {
    private let client: RdKafkaClient
    private let configuration: KafkaProducerConfiguration
    private let stopRequested = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: configuration.librdkafkaProperties, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryReportCallback)
        }
    }

    /// A property of this client's librdkafka configuration as the handle holds it, or `nil`
    /// if it has none. For tests that check what reached librdkafka.
    package func configurationValue(_ name: String) -> String? {
        client.configurationValue(name)
    }

    /// Serves delivery reports until graceful shutdown or cancellation, then flushes.
    public func run() async throws {
        let flushTimeout = Int32(configuration.flushTimeoutMilliseconds)
        await withTaskCancellationOrGracefulShutdownHandler {
            await client.runBlocking { handle in
                while !self.stopRequested.load(ordering: .acquiring) {
                    rd_kafka_poll(handle, 100)
                }
                rd_kafka_flush(handle, flushTimeout)
                self.closed.store(true, ordering: .releasing)
                // Whatever could not be delivered in time fails now instead of hanging its sender.
                rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                rd_kafka_poll(handle, 0)
            }
        } onCancelOrGracefulShutdown: {
            self.stopRequested.store(true, ordering: .releasing)
        }
    }

    /// Partition ids of a topic, asked on the producer's own connections. librdkafka keeps the
    /// answer, so records sent afterwards go to the partitions' leaders at once; otherwise the
    /// first records to a topic can wait for its periodic topic scan (about a second).
    public func partitions(of topic: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> [Int32] {
        try await client.partitions(of: topic, timeout: timeout)
    }

    /// Publishes records in order and waits for every delivery report.
    /// Records with the same key keep their order (idempotent producer).
    /// Cancelling the caller stops the wait: every record without a report yet fails with
    /// ``KafkaError/Code/deliveryReportAbandoned`` (it may still be delivered).
    public func sendBatch(_ messages: [KafkaProducerMessage]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        guard !messages.isEmpty else { return [] }
        return await produce(messages).reports()
    }

    /// Hands records to librdkafka in order, now, and returns without waiting for their
    /// delivery reports: a caller can produce the next records while these are in flight
    /// (records produced later land behind them, per partition). `whenDelivered` is called
    /// once every record has its report, on librdkafka's polling thread: keep it short.
    public func produce(_ messages: [KafkaProducerMessage], whenDelivered: (@Sendable () -> Void)? = nil) -> PendingDeliveries {
        let batch = DeliveryBatch(count: messages.count, whenDelivered: whenDelivered)
        for (index, message) in messages.enumerated() {
            if closed.load(ordering: .acquiring) {
                batch.record(.failure(.shutDown), at: index)
            } else if let error = produce(message, ticket: DeliveryTicket(batch: batch, index: index)) {
                batch.record(.failure(error), at: index)
            }
        }
        return PendingDeliveries(batch: batch)
    }

    /// Hands one record to librdkafka with `rd_kafka_produceva`; returns the error if it was refused.
    private func produce(_ message: KafkaProducerMessage, ticket: DeliveryTicket) -> KafkaError? {
        let opaque = Unmanaged.passRetained(ticket).toOpaque()
        let headers: OpaquePointer? = message.headers.isEmpty ? nil : rd_kafka_headers_new(message.headers.count)
        for header in message.headers {
            if let value = header.value {
                value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
            } else {
                _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
            }
        }
        let error: OpaquePointer? = message.topic.withCString { topic in
            message.value.withUnsafeBytes { value in
                withOptionalBytes(message.key) { key in
                    var fields: [rd_kafka_vu_t] = []
                    var field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_TOPIC
                    field.u.cstr = topic
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_VALUE
                    field.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    field.u.mem.size = value.count
                    fields.append(field)
                    if let key {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_KEY
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                        field.u.mem.size = key.count
                        fields.append(field)
                    }
                    if let partition = message.partition {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_PARTITION
                        field.u.i32 = partition
                        fields.append(field)
                    }
                    if let headers {
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_HEADERS
                        field.u.headers = headers
                        fields.append(field)
                    }
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    field.u.i = RD_KAFKA_MSG_F_COPY
                    fields.append(field)
                    field = rd_kafka_vu_t()
                    field.vtype = RD_KAFKA_VTYPE_OPAQUE
                    field.u.ptr = opaque
                    fields.append(field)
                    return rd_kafka_produceva(client.handle, fields, fields.count)
                }
            }
        }
        guard let error else { return nil }
        // Refused: librdkafka kept neither the headers nor the opaque.
        if let headers { rd_kafka_headers_destroy(headers) }
        Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
        return KafkaError(consuming: error, context: "produce to \(message.topic)")
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// Called by `rd_kafka_poll` for every record: resolves the record's ticket.
private func kafkaDeliveryReportCallback(
    _ rk: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let ticketPointer = message.pointee._private else { return }
    let ticket = Unmanaged<DeliveryTicket>.fromOpaque(ticketPointer).takeRetainedValue()
    let record = message.pointee
    if record.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        let topic = String(cString: rd_kafka_topic_name(record.rkt))
        ticket.batch.record(.success(KafkaDeliveryReport(topic: topic, partition: record.partition, offset: record.offset)), at: ticket.index)
    } else {
        ticket.batch.record(.failure(KafkaError(record.err, context: "delivery")), at: ticket.index)
    }
}
