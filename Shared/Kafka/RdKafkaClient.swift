import CRdKafka
import Dispatch
import Logging

/// The single owner of one `rd_kafka_t`. Creates it from a property map with
/// the wrapper's callbacks installed, runs blocking librdkafka calls on its
/// own serial dispatch queue (never on Swift's cooperative pool), and destroys the
/// handle on that queue once the last reference is gone.
///
/// `@unchecked Sendable`: librdkafka documents `rd_kafka_t` as thread-safe.
final class RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: RdKafkaClientContext
    private let blockingQueue: DispatchQueue

    /// - Parameter configure: installs type-specific callbacks on the configuration before the handle is created.
    init(
        type: rd_kafka_type_t,
        properties: [String: String],
        logger: Logger,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let context = RdKafkaClientContext(logger: logger)
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.configuration("\(key): \(String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
        configure(conf)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration(String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.handle = handle
        self.context = context
        // A serial queue without a target is backed by libdispatch's overcommitting pool: a call
        // that blocks (a poll loop, a flush) gets a thread of its own and can never starve the
        // shared pool that other work runs on. Calls on one client run one after the other.
        self.blockingQueue = DispatchQueue(label: "rdkafka.blocking")
    }

    /// `rd_kafka_destroy` waits for librdkafka's threads to stop (and, for a consumer
    /// nobody closed, for it to leave its group), so it runs on the client's queue,
    /// after everything queued before it, never on the thread that dropped the last
    /// reference. The context stays alive until then: the callbacks still use it.
    deinit {
        nonisolated(unsafe) let handle = handle
        let context = context
        blockingQueue.async {
            rd_kafka_destroy(handle)
            withExtendedLifetime(context) {}
        }
    }

    /// Runs a blocking librdkafka call off the cooperative thread pool.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> T) async -> T {
        await withCheckedContinuation { continuation in
            blockingQueue.async { continuation.resume(returning: body(self.handle)) }
        }
    }

    /// Runs a blocking librdkafka call on a queue of its own, beside the client's queue (which a
    /// producer's poll loop holds for its whole life). Only for calls librdkafka documents as
    /// thread-safe on a live handle, such as `rd_kafka_metadata`.
    func runBlockingBeside<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body(self.handle)) }
        }
    }

    /// Partition ids of a topic, from a metadata request on this client's connections
    /// (librdkafka keeps what it learns: a producer then knows the partitions' leaders).
    func partitions(of topic: String, timeout: Duration) async throws(KafkaError) -> [Int32] {
        let timeoutMilliseconds = timeout.librdkafkaMilliseconds
        let result: Result<[Int32], KafkaError> = await runBlockingBeside { handle in
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

    /// A property of the configuration the handle was created with (`rd_kafka_conf_get` on
    /// `rd_kafka_conf`), or `nil` if it is unknown or unset. Secrets come back in clear:
    /// only for tests that check what reached librdkafka, never for logging.
    func configurationValue(_ name: String) -> String? {
        guard let conf = rd_kafka_conf(handle) else { return nil }
        var size = 0
        guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
        var value = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, name, &value, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(decoding: value.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Queues a blocking call on the client's queue without waiting for it: for releasing,
    /// from a `deinit`, something that must go before the handle (it runs before the destroy).
    func enqueue(_ body: @escaping @Sendable (OpaquePointer) -> Void) {
        blockingQueue.async { body(self.handle) }
    }
}

/// Forwards librdkafka's log lines (syslog levels) to swift-log.
private func rdKafkaLogCallback(_ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ text: UnsafePointer<CChar>?) {
    guard let rk, let context = RdKafkaClientContext.from(rd_kafka_opaque(rk)) else { return }
    let swiftLevel: Logger.Level = switch level {
    case ...3: .error
    case 4: .warning
    case 5, 6: .info
    default: .debug
    }
    context.logger.log(
        level: swiftLevel,
        "\(text.map { String(cString: $0) } ?? "")",
        metadata: ["librdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
    )
}

/// Logs client-level errors (broker transport, all brokers down, fatal errors): the
/// operations they affect fail on their own, with their own error.
private func rdKafkaErrorCallback(_ rk: OpaquePointer?, _ err: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let context = RdKafkaClientContext.from(opaque) else { return }
    let error = KafkaError(rd_kafka_resp_err_t(err), context: reason.map { String(cString: $0) })
    context.logger.warning("kafka client error", metadata: ["error": "\(error)"])
}
