import Database
import HTTPSupport
import Logging
import Observability
import Resilience
import ServiceConfiguration

/// Everything a consumer service reads from the environment, read once in `main`.
public struct ConsumerConfiguration: Sendable {
    /// The service name, also its consumer group (`analytics-service`, `search-service`).
    public var group: String
    public var httpHost = "0.0.0.0"
    public var httpPort: Int
    public var httpTimeouts = HTTPTimeouts()
    public var databaseURL: PostgresURL
    public var kafkaBrokers = "127.0.0.1:9092"
    public var topic = "user-events"
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .logfmt
    /// `LAG_LOG_INTERVAL_SECONDS`: how often the lag line is written.
    public var lagLogInterval: Duration = .seconds(5)
    /// Records taken per poll, applied in one transaction (`CONSUMER_BATCH_SIZE`).
    public var batchSize = 500
    /// Attempts for failures that are neither permanent nor transient, before `exhausted`.
    public var maxAttempts = 5
    /// Retry delays: full jitter, base 100 ms, factor 2, cap 30 s.
    public var backoff = ExponentialBackoff(base: .milliseconds(100), factor: 2, cap: .seconds(30))
    /// Where `Migrations/` lives, if not next to the working directory or the executable.
    public var migrationsPath: String?
    /// Extra librdkafka properties for the group consumer (tests shorten session time-outs).
    public var consumerProperties: [String: String] = [:]
    /// `STUCK_AFTER_SECONDS`: an apply loop without progress this long while
    /// records wait is reported as `ERROR` in the lag line and fails `/ready`.
    public var stuckAfter: Duration = .seconds(60)
    public var sessionTimeoutMilliseconds = 10_000
    public var heartbeatIntervalMilliseconds = 1_000

    public init(group: String, httpPort: Int, databaseURL: PostgresURL) {
        self.group = group
        self.httpPort = httpPort
        self.databaseURL = databaseURL
    }

    /// The documented defaults (README, "Configuration"), overridden by the environment.
    public init(group: String, defaultPort: Int, defaultDatabase: String, environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        self.init(
            group: group,
            httpPort: try reader.integer("HTTP_PORT", default: defaultPort, range: 0...65535),
            databaseURL: try PostgresURL(reader.string("DATABASE_URL", default: "postgres://postgres@127.0.0.1:5432/\(defaultDatabase)"))
        )
        httpHost = reader.string("HTTP_HOST", default: httpHost)
        httpTimeouts = try HTTPTimeouts(environment: reader)
        kafkaBrokers = reader.string("KAFKA_BROKERS", default: kafkaBrokers)
        topic = reader.string("KAFKA_TOPIC", default: topic)
        logLevel = try reader.logLevel()
        let format = reader.string("LOG_FORMAT", default: "logfmt")
        guard let logFormat = LogFormat(rawValue: format) else { throw ConfigurationError("LOG_FORMAT=\(format) must be logfmt or json") }
        self.logFormat = logFormat
        lagLogInterval = .seconds(try reader.integer("LAG_LOG_INTERVAL_SECONDS", default: 5, range: 1...3600))
        batchSize = try reader.integer("CONSUMER_BATCH_SIZE", default: batchSize, range: 1...10_000)
        stuckAfter = .seconds(try reader.integer("STUCK_AFTER_SECONDS", default: 60, range: 1...86_400))
        migrationsPath = environment["MIGRATIONS_PATH"]
    }

    /// The environment variables, for `--help`.
    public static let environmentHelp = """
        Configuration comes from the environment: HTTP_HOST, HTTP_PORT, DATABASE_URL, KAFKA_BROKERS, KAFKA_TOPIC, \
        LOG_LEVEL, LOG_FORMAT (logfmt|json), LAG_LOG_INTERVAL_SECONDS (5), CONSUMER_BATCH_SIZE (500), \
        STUCK_AFTER_SECONDS (60), MIGRATIONS_PATH, \(HTTPTimeouts.environmentHelp).
        """

    /// `user-events.<group>.dlq`
    public var deadLetterTopic: String { DeadLetter.topic(for: topic, group: group) }
}
