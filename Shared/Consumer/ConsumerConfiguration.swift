import Foundation
import AsyncPrimitives
import Database
import Events
import Kafka
import ServiceConfiguration

/// What the consumer runtime needs: its group, database, broker and topic, and
/// how it batches, retries and reports. Read once from the environment.
public struct ConsumerConfiguration: Sendable {
    /// The consumer group: the service name (`analytics-service`, `search-service`) unless
    /// `CONSUMER_GROUP` names another, for a second, independent copy of the projection.
    public var group: String
    public var databaseURL: PostgresURL
    public var kafkaBrokers = Settings.kafkaBrokers.defaultValue
    public var topic = Settings.kafkaTopic.defaultValue
    /// `LAG_LOG_INTERVAL_SECONDS`: how often the lag line is written.
    public var lagLogInterval: Duration = .seconds(Settings.lagLogIntervalSeconds.defaultValue)
    /// Records taken per poll, applied in one transaction (`CONSUMER_BATCH_SIZE`).
    public var batchSize = Settings.consumerBatchSize.defaultValue
    /// How a record that failed to apply, and a dead-letter round that failed to publish, are
    /// retried: full jitter from 100 ms, factor 2, capped at `CONSUMER_RETRY_CAP_SECONDS` (30).
    /// A failure that is neither permanent nor transient gets `CONSUMER_MAX_ATTEMPTS` (5)
    /// attempts before its record is dead-lettered as `exhausted`; transient failures and dead
    /// letters are retried for as long as it takes.
    public var retry = RetryPolicy(cap: .seconds(Settings.consumerRetryCapSeconds.defaultValue), maxAttempts: Settings.consumerMaxAttempts.defaultValue)
    /// The pause after a failed poll of the broker (librdkafka reconnects on its own meanwhile).
    public var pollRetry = RetryPolicy.fixed(.milliseconds(200))
    /// Where `Migrations/` lives, if not next to the working directory or the executable.
    public var migrationsPath: String?
    /// `KAFKA_FETCH_WAIT_MAX_MS`: how long a fetch waits on the broker for data. Apache Kafka
    /// answers as soon as a record arrives, so this only paces idle fetches there (100 ms);
    /// librdkafka's mock cluster (LocalBroker) always waits the full time, so there it bounds
    /// the latency of every record and the local stack sets 5.
    public var fetchWaitMaxMilliseconds = Settings.kafkaFetchWaitMaxMilliseconds.defaultValue
    /// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_CA_LOCATION`: TLS and SASL for
    /// every Kafka client of the service (group consumer, dead-letter producer and reader,
    /// admin, redrive, rebuild).
    public var kafkaSecurity = KafkaSecurity()
    /// Extra librdkafka properties for the group consumer (tests shorten session time-outs).
    public var consumerProperties: [String: String] = [:]
    /// `STUCK_AFTER_SECONDS`: an apply loop without progress this long while
    /// records wait is reported as `ERROR` in the lag line and fails `/ready`.
    public var stuckAfter: Duration = .seconds(Settings.stuckAfterSeconds.defaultValue)
    /// `DEDUP_RETENTION` and `TOMBSTONE_RETENTION`: how long dedup rows and projection
    /// tombstones are kept (both must exceed the topic's retention plus the longest redelivery delay).
    public var dedupRetention: Duration = Settings.dedupRetention.defaultValue
    public var tombstoneRetention: Duration = Settings.userTombstoneRetention.defaultValue
    /// `STALENESS_SLO_MS`: with lag 0, a staleness above this is status `STALE`.
    public var stalenessSLO: Duration = .milliseconds(Settings.stalenessSLOMilliseconds.defaultValue)
    public var sessionTimeoutMilliseconds = 10_000
    public var heartbeatIntervalMilliseconds = 1_000
    /// `EVENT_VERIFY_KEYS` (or `EVENT_VERIFY_KEYS_FILE`), required: the keys a record must be
    /// signed with to be applied (see ``EventDecoder``).
    public var verifyKeys: EventVerifyKeys

    public init(group: String, databaseURL: PostgresURL, verifyKeys: EventVerifyKeys) {
        self.group = group
        self.databaseURL = databaseURL
        self.verifyKeys = verifyKeys
    }

    /// The documented defaults (README, "Configuration"), overridden by the environment.
    public init(group: String, defaultDatabase: String, environment reader: EnvironmentReader) throws(ConfigurationError) {
        self.init(
            group: group,
            databaseURL: try PostgresURL(runtimeFrom: reader, default: "postgres://postgres@127.0.0.1:5432/\(defaultDatabase)"),
            verifyKeys: try Self.verifyKeys(reader)
        )
        self.group = reader.value(Settings.consumerGroup, default: group)
        guard self.group.range(of: "^[A-Za-z0-9._-]{1,200}$", options: .regularExpression) != nil else {
            throw ConfigurationError("CONSUMER_GROUP must be 1–200 letters, digits, '.', '_' or '-', got \(self.group)")
        }
        kafkaBrokers = reader.value(Settings.kafkaBrokers)
        topic = reader.value(Settings.kafkaTopic)
        kafkaSecurity = try KafkaSecurity(environment: reader)
        fetchWaitMaxMilliseconds = try reader.value(Settings.kafkaFetchWaitMaxMilliseconds)
        lagLogInterval = .seconds(try reader.value(Settings.lagLogIntervalSeconds))
        batchSize = try reader.value(Settings.consumerBatchSize)
        retry.maxAttempts = try reader.value(Settings.consumerMaxAttempts)
        retry.cap = .seconds(try reader.value(Settings.consumerRetryCapSeconds))
        stuckAfter = .seconds(try reader.value(Settings.stuckAfterSeconds))
        stalenessSLO = .milliseconds(try reader.value(Settings.stalenessSLOMilliseconds))
        dedupRetention = try reader.value(Settings.dedupRetention)
        tombstoneRetention = try reader.value(Settings.userTombstoneRetention)
        migrationsPath = try reader.value(Settings.migrationsPath)
    }

    static func verifyKeys(_ reader: EnvironmentReader) throws(ConfigurationError) -> EventVerifyKeys {
        guard let text = try reader.value(Settings.eventVerifyKeys) else {
            throw ConfigurationError(
                "EVENT_VERIFY_KEYS (or EVENT_VERIFY_KEYS_FILE) is required: the keys user-service signs events with, as <id>:<base64>[,…]"
            )
        }
        do {
            return try EventVerifyKeys(parsing: text)
        } catch {
            throw ConfigurationError("EVENT_VERIFY_KEYS: \(error)")
        }
    }

    /// `user-events.<group>.dlq`
    public var deadLetterTopic: String { DeadLetter.topic(for: topic, group: group) }
}
