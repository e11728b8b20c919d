import CRdKafka
import Logging

/// librdkafka's in-process mock cluster: a real Kafka protocol endpoint on
/// localhost, with fault injection. For development and tests only; it keeps
/// its log in memory (about 5 MB per partition, older records are dropped).
///
/// The control methods run on the caller's thread: each is a request to the mock's own
/// thread that changes in-memory state and answers at once, with no network I/O.
///
/// `@unchecked Sendable`: the mock API functions lock the cluster internally.
public final class MockKafkaCluster: @unchecked Sendable {
    private let client: RdKafkaClient
    private let cluster: OpaquePointer

    /// Kafka protocol request types (their API keys), for ``pushRequestErrors(_:errors:)``.
    /// Holds the ones the tests inject errors into; add others as tests need them.
    public enum RequestType: Int16, Sendable {
        case produce = 0
    }

    /// Starts a cluster of `brokers` brokers on 127.0.0.1, on ports the mock picks.
    public init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        // The mock's brokers take their socket settings from this handle: TCP_NODELAY, or a
        // response written in pieces waits for the client's delayed ACK (40 ms on Linux), and
        // a produce or fetch round trip takes 40 ms now and then, more often on a busy machine.
        client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: ["client.id": "mock-cluster", "socket.nagle.disable": "true"], logger: logger)
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError.configuration("could not create the mock cluster")
        }
        self.cluster = cluster
    }

    /// Destroying the cluster joins its thread: that happens on the client's queue, before
    /// the client's handle is destroyed there.
    deinit {
        nonisolated(unsafe) let cluster = cluster
        client.enqueue { _ in rd_kafka_mock_cluster_destroy(cluster) }
    }

    /// The cluster's `bootstrap.servers` (127.0.0.1 and ports the mock picked).
    public var bootstrapServers: String {
        String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Creates a topic (the mock does not support the CreateTopics request).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "create topic \(name)") }
    }

    /// Makes `brokerID` (from 1) the leader of one partition of `topic`, so that a fault
    /// injected into that broker (``setBrokerDown(_:)``) hits only the partitions it leads.
    /// Clients learn of the change with their next metadata request: set it before they produce.
    public func setPartitionLeader(topic: String, partition: Int32, brokerID: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_partition_set_leader(cluster, topic, partition, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "set the leader of \(topic) [\(partition)]") }
    }

    /// Disconnects the broker (`-1`: every broker) and refuses new connections.
    public func setBrokerDown(_ brokerID: Int32 = -1) {
        _ = rd_kafka_mock_broker_set_down(cluster, brokerID)
    }

    /// Accepts connections again.
    public func setBrokerUp(_ brokerID: Int32 = -1) {
        _ = rd_kafka_mock_broker_set_up(cluster, brokerID)
    }

    /// Delays every response of the broker (`-1`: every broker) by `delay`; `.zero` turns it off.
    public func setRoundTripTime(_ delay: Duration, brokerID: Int32 = -1) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, brokerID, delay.librdkafkaMilliseconds)
    }

    /// Makes the next `errors.count` requests of this type fail with these codes, in order.
    /// Only librdkafka's codes can be injected (not ``KafkaError/Code/deliveryReportAbandoned``).
    public func pushRequestErrors(_ request: RequestType, errors: [KafkaError.Code]) {
        let codes = errors.map { code in
            guard let value = code.librdkafkaValue else { preconditionFailure("\(code) is not a librdkafka code") }
            return value
        }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, buffer.count, buffer.baseAddress)
        }
    }
}
