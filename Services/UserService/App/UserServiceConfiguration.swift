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
    var http = HTTPServerSettings(port: Settings.httpPort.defaultValue)
    /// `MANAGEMENT_HOST` / `MANAGEMENT_PORT`: `/metrics`, `/consistency/*` and the probes.
    var management = HTTPServerSettings(host: Settings.managementHost.defaultValue, port: Settings.managementPort.defaultValue)
    var databaseURL = PostgresURL(host: "127.0.0.1", username: "postgres", database: "users")
    var kafkaBrokers = Settings.kafkaBrokers.defaultValue
    /// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_CA_LOCATION`: TLS and SASL for the
    /// producer and the admin (see `UserServiceConfiguration+Kafka.swift`).
    var kafkaSecurity = KafkaSecurity()
    var logging = LoggingSettings()
    /// Where `reconcile` and anti-entropy find the projections' management listeners (`SEARCH_URL`, `ANALYTICS_URL`).
    var searchURL = Settings.searchURL.defaultValue
    var analyticsURL = Settings.analyticsURL.defaultValue
    /// The relay leader's periodic check (`ANTI_ENTROPY_INTERVAL_SECONDS`, 0 = off) and whether it repairs (`ANTI_ENTROPY_REPAIR`).
    var antiEntropyInterval: Duration = .seconds(Settings.antiEntropyIntervalSeconds.defaultValue)
    var antiEntropyRepair = Settings.antiEntropyRepair.defaultValue
    /// `OUTBOX_RELAY=off` runs the API without the relay.
    var outboxRelayEnabled = Settings.outboxRelay.defaultValue
    var relay = OutboxRelayConfiguration()
    /// `EVENT_SIGNING_KEY` (or `EVENT_SIGNING_KEY_FILE`): what the relay signs every record
    /// with. Required wherever the relay runs; `migrate`, `reconcile` and `snapshot` do not need it.
    var signingKey: EventSigningKey?
    /// `AUTH_JWKS` and the rest of ``AccessSettings``: required to serve the API, not for the other commands.
    var access: AccessSettings?
    var idempotencyKeyRetention: Duration = .seconds(24 * 3600)
    /// Tombstones of deleted users older than this are deleted (`TOMBSTONE_RETENTION`).
    var tombstoneRetention: Duration = Settings.userTombstoneRetention.defaultValue
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
        kafkaBrokers = reader.value(Settings.kafkaBrokers)
        kafkaSecurity = try KafkaSecurity(environment: reader)
        relay.topic = reader.value(Settings.kafkaTopic)
        logging = try LoggingSettings(environment: reader)
        searchURL = reader.value(Settings.searchURL)
        analyticsURL = reader.value(Settings.analyticsURL)
        antiEntropyInterval = .seconds(try reader.value(Settings.antiEntropyIntervalSeconds))
        antiEntropyRepair = try reader.value(Settings.antiEntropyRepair)
        outboxRelayEnabled = try reader.value(Settings.outboxRelay)
        relay.retention = try reader.value(Settings.outboxRetention)
        tombstoneRetention = try reader.value(Settings.userTombstoneRetention)
        relay.batchSize = try reader.value(Settings.outboxBatchSize)
        relay.batchesInFlight = try reader.value(Settings.outboxBatchesInFlight)
        relay.heartbeatInterval = .seconds(try reader.value(Settings.heartbeatIntervalSeconds))
        migrationsPath = try reader.value(Settings.migrationsPath)
        if try reader.value(Settings.authJWKS) != nil { access = try AccessSettings(environment: reader) }
        if let text = try reader.value(Settings.eventSigningKey) {
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
