import CRdKafka

extension KafkaError {
    /// What kind of error a ``KafkaError`` is: compare it with the static members
    /// (`error.code == .shutDown`), never with raw integers.
    ///
    /// Every code but one is a librdkafka `rd_kafka_resp_err_t`: the negative ones
    /// are raised by the client itself, the others are a broker's answer.
    /// ``deliveryReportAbandoned`` is the wrapper's own and has no librdkafka value.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Source: Hashable, Sendable {
            case librdkafka(Int32)
            case deliveryReportAbandoned
        }

        private let source: Source

        init(_ err: rd_kafka_resp_err_t) {
            source = .librdkafka(err.rawValue)
        }

        private init(_ source: Source) {
            self.source = source
        }

        /// librdkafka's value, or `nil` for the wrapper's own code.
        var librdkafkaValue: rd_kafka_resp_err_t? {
            guard case .librdkafka(let rawValue) = source else { return nil }
            return rd_kafka_resp_err_t(rawValue: rawValue)
        }

        /// librdkafka's name for the code (`_MSG_TIMED_OUT`, `NOT_LEADER_FOR_PARTITION`),
        /// or `DELIVERY_REPORT_ABANDONED` for the wrapper's own.
        public var description: String {
            switch source {
            case .librdkafka(let rawValue): String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
            case .deliveryReportAbandoned: "DELIVERY_REPORT_ABANDONED"
            }
        }

        // MARK: The wrapper's own

        /// The task waiting for a record's delivery report was cancelled before the report
        /// arrived: the record stays with librdkafka and may or may not be delivered.
        /// Not a librdkafka code.
        public static let deliveryReportAbandoned = Code(.deliveryReportAbandoned)

        // MARK: Raised by the client (librdkafka's negative codes)

        /// `_DESTROY`: the client is shut down (closed or being destroyed).
        public static let shutDown = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// `_FATAL`: the client instance is unusable and must be recreated.
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// `_INVALID_ARG`: a configuration property or an argument was refused.
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// `_TRANSPORT`: the connection to a broker failed.
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// `_ALL_BROKERS_DOWN`: no broker is reachable.
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// `_MSG_TIMED_OUT`: a record was not acknowledged within `message.timeout.ms`.
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        /// `_TIMED_OUT`: a request did not complete within its time-out.
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// `_TIMED_OUT_QUEUE`: a request timed out while still queued in the client.
        public static let timedOutQueue = Code(RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE)
        /// `_QUEUE_FULL`: the producer's queue is full.
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// `_WAIT_COORD`: the group coordinator is not known yet.
        public static let waitCoordinator = Code(RD_KAFKA_RESP_ERR__WAIT_COORD)
        /// `_UNKNOWN_PARTITION`: the partition is not in the client's metadata.
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        /// `_UNKNOWN_TOPIC`: the topic is not in the client's metadata.
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)

        // MARK: Returned by a broker

        /// `MSG_SIZE_TOO_LARGE`: the broker refuses a record larger than its limit.
        public static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        /// `REQUEST_TIMED_OUT`: the broker did not complete the request in time.
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        /// `NOT_LEADER_FOR_PARTITION`: the request reached a broker that no longer leads the partition.
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        /// `LEADER_NOT_AVAILABLE`: the partition has no leader at the moment (election in progress).
        public static let leaderNotAvailable = Code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        /// `NOT_ENOUGH_REPLICAS`: fewer in-sync replicas than `min.insync.replicas`.
        public static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND`: written, but not to enough in-sync replicas.
        public static let notEnoughReplicasAfterAppend = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND)
        /// `COORDINATOR_NOT_AVAILABLE`: the group coordinator is not available.
        public static let coordinatorNotAvailable = Code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        /// `NOT_COORDINATOR`: the request reached a broker that is not the group's coordinator.
        public static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        /// `COORDINATOR_LOAD_IN_PROGRESS`: the coordinator is still loading the group's offsets.
        public static let coordinatorLoadInProgress = Code(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        /// `REBALANCE_IN_PROGRESS`: the group is rebalancing.
        public static let rebalanceInProgress = Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
        /// `NETWORK_EXCEPTION`: the broker lost a connection while handling the request.
        public static let networkException = Code(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION)
        /// `UNKNOWN_TOPIC_OR_PART`: the broker does not host this topic or partition.
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// `KAFKA_STORAGE_ERROR`: the broker's log directory is offline.
        public static let kafkaStorageError = Code(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR)

        /// The codes librdkafka documents as transient (the same request can succeed once
        /// the cluster recovers), for errors that carry no retriable flag of their own.
        static let retriable: Set<Code> = [
            .transport, .allBrokersDown, .messageTimedOut, .timedOut, .timedOutQueue, .queueFull,
            .waitCoordinator, .unknownPartition, .unknownTopic,
            .requestTimedOut, .notLeaderForPartition, .leaderNotAvailable, .notEnoughReplicas,
            .notEnoughReplicasAfterAppend, .coordinatorNotAvailable, .notCoordinator, .coordinatorLoadInProgress,
            .rebalanceInProgress, .networkException, .unknownTopicOrPartition, .kafkaStorageError,
        ]
    }
}
