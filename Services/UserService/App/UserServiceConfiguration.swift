import Access
import Database
import Events
import HTTPSupport
import Kafka
import Observability
import ServiceBootstrap
import ServiceConfiguration

/// Everything user-service reads from the environment, read once in `main`.
struct UserServiceConfiguration: Sendable {
    var http = HTTPServerSettings(port: 8080)
    /// `MANAGEMENT_HOST` / `MANAGEMENT_PORT`: `/metrics`, `/consistency/*` and the probes.
    var management = HTTPServerSettings(host: "127.0.0.1", port: 9180)
    var databaseURL = PostgresURL(host: "127.0.0.1", username: "postgres", database: "users")
    var kafkaBrokers = "127.0.0.1:9092"
    /// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_CA_LOCATION`: TLS and SASL for the
    /// producer and the admin (see `UserServiceConfiguration+Kafka.swift`).
    var kafkaSecurity = KafkaSecurity()
    var logging = LoggingSettings()
    /// Where `reconcile` and anti-entropy find the projections' management listeners (`SEARCH_URL`, `ANALYTICS_URL`).
    var searchURL = "http://127.0.0.1:9182"
    var analyticsURL = "http://127.0.0.1:9181"
    /// The relay leader's periodic check (`ANTI_ENTROPY_INTERVAL_SECONDS`, 0 = off) and whether it repairs (`ANTI_ENTROPY_REPAIR`).
    var antiEntropyInterval: Duration = .seconds(300)
    var antiEntropyRepair = true
    /// `OUTBOX_RELAY=off` runs the API without the relay.
    var outboxRelayEnabled = true
    var relay = OutboxRelayConfiguration()
    /// `EVENT_SIGNING_KEY` (or `EVENT_SIGNING_KEY_FILE`): what the relay signs every record
    /// with. Required wherever the relay runs; `migrate`, `reconcile` and `snapshot` do not need it.
    var signingKey: EventSigningKey?
    /// `AUTH_JWKS` and the rest of ``AccessSettings``: required to serve the API, not for the other commands.
    var access: AccessSettings?
    var idempotencyKeyRetention: Duration = .seconds(24 * 3600)
    /// Tombstones of deleted users older than this are deleted (`TOMBSTONE_RETENTION`).
    var tombstoneRetention: Duration = .seconds(7 * 24 * 3600)
    /// Where `Migrations/` lives, if not found next to the working directory or the executable.
    var migrationsPath: String?
    /// Extra librdkafka properties for the producer (`KAFKA_PRODUCER_*` is not parsed; tests set these directly).
    var producerProperties: [String: String] = [:]

    init() {}

    init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        http = try HTTPServerSettings(environment: reader, defaultPort: http.port)
        management = try HTTPServerSettings(managementEnvironment: reader, defaultPort: management.port)
        databaseURL = try PostgresURL(runtimeFrom: reader, default: databaseURL.urlString)
        kafkaBrokers = reader.string("KAFKA_BROKERS", default: kafkaBrokers)
        kafkaSecurity = try KafkaSecurity(environment: reader)
        relay.topic = reader.string("KAFKA_TOPIC", default: relay.topic)
        logging = try LoggingSettings(environment: reader)
        searchURL = reader.string("SEARCH_URL", default: searchURL)
        analyticsURL = reader.string("ANALYTICS_URL", default: analyticsURL)
        antiEntropyInterval = .seconds(try reader.integer("ANTI_ENTROPY_INTERVAL_SECONDS", default: 300, range: 0...86_400))
        antiEntropyRepair = try reader.flag("ANTI_ENTROPY_REPAIR", default: true)
        outboxRelayEnabled = try reader.flag("OUTBOX_RELAY", default: true)
        relay.retention = try reader.duration("OUTBOX_RETENTION", default: relay.retention)
        tombstoneRetention = try reader.duration("TOMBSTONE_RETENTION", default: tombstoneRetention)
        relay.batchSize = try reader.integer("OUTBOX_BATCH_SIZE", default: relay.batchSize, range: 1...10_000)
        relay.batchesInFlight = try reader.integer("OUTBOX_BATCHES_IN_FLIGHT", default: relay.batchesInFlight, range: 1...64)
        relay.heartbeatInterval = .seconds(try reader.integer("HEARTBEAT_INTERVAL_SECONDS", default: 1, range: 1...3600))
        migrationsPath = reader.optionalString("MIGRATIONS_PATH")
        if reader.optionalString("AUTH_JWKS") != nil { access = try AccessSettings(environment: reader) }
        if let text = try reader.secret("EVENT_SIGNING_KEY") {
            do {
                signingKey = try EventSigningKey(parsing: text)
            } catch {
                throw ConfigurationError("EVENT_SIGNING_KEY: \(error)")
            }
        }
    }

    /// The access settings, or the error that says how to give them: the API does not run without tokens.
    func requiredAccess() throws(ConfigurationError) -> AccessSettings {
        guard let access else { throw AccessSettings.missingJWKS }
        return access
    }

    /// The signing key, or the error that says how to give one: the relay cannot run without it.
    func requiredSigningKey() throws(ConfigurationError) -> EventSigningKey {
        guard let signingKey else {
            throw ConfigurationError(
                "EVENT_SIGNING_KEY (or EVENT_SIGNING_KEY_FILE) is required to run the outbox relay: <id>:<base64 of 32 random bytes>, "
                    + "one of the consumers' EVENT_VERIFY_KEYS"
            )
        }
        return signingKey
    }
}

extension UserServiceConfiguration {
    /// user-service's migrations: `Migrations/users`.
    var schema: SchemaMigrations { Self.schema(migrationsPath: migrationsPath) }

    static func schema(migrationsPath: String?) -> SchemaMigrations {
        SchemaMigrations([MigrationSet(folder: "users")], migrationsPath: migrationsPath)
    }
}
