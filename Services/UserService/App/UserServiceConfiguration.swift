import Database
import HTTPSupport
import Logging
import Observability
import ServiceConfiguration

/// Everything user-service reads from the environment, read once in `main`.
struct UserServiceConfiguration: Sendable {
    var httpHost = "0.0.0.0"
    var httpPort = 8080
    var httpTimeouts = HTTPTimeouts()
    var databaseURL = try! PostgresURL("postgres://postgres@127.0.0.1:5432/users")
    var kafkaBrokers = "127.0.0.1:9092"
    var logLevel: Logger.Level = .info
    var logFormat: LogFormat = .logfmt
    /// `OUTBOX_RELAY=off` runs the API without the relay.
    var outboxRelayEnabled = true
    var relay = OutboxRelayConfiguration()
    var idempotencyKeyRetention: Duration = .seconds(24 * 3600)
    /// Where `Migrations/` lives, if not found next to the working directory or the executable.
    var migrationsPath: String?
    /// Extra librdkafka properties for the producer (`KAFKA_PRODUCER_*` is not parsed; tests set these directly).
    var producerProperties: [String: String] = [:]

    init() {}

    init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        httpHost = reader.string("HTTP_HOST", default: httpHost)
        httpPort = try reader.integer("HTTP_PORT", default: httpPort, range: 0...65535)
        httpTimeouts = try HTTPTimeouts(environment: reader)
        databaseURL = try PostgresURL(reader.string("DATABASE_URL", default: databaseURL.urlString))
        kafkaBrokers = reader.string("KAFKA_BROKERS", default: kafkaBrokers)
        relay.topic = reader.string("KAFKA_TOPIC", default: relay.topic)
        logLevel = try reader.logLevel()
        let format = reader.string("LOG_FORMAT", default: "logfmt")
        guard let logFormat = LogFormat(rawValue: format) else { throw ConfigurationError("LOG_FORMAT=\(format) must be logfmt or json") }
        self.logFormat = logFormat
        outboxRelayEnabled = try reader.flag("OUTBOX_RELAY", default: true)
        relay.retention = try reader.duration("OUTBOX_RETENTION", default: relay.retention)
        relay.batchSize = try reader.integer("OUTBOX_BATCH_SIZE", default: relay.batchSize, range: 1...10_000)
        migrationsPath = environment["MIGRATIONS_PATH"]
    }
}
