import Foundation

/// Every environment variable the services read: the one table of the configuration.
///
/// Each entry has the variable's name, its default (and range), the processes that read it
/// and its help. The configuration structs read their values through these entries
/// (`EnvironmentReader.value(_:)`), each command's `--help` lists them (``help(readBy:)``),
/// and the README's configuration table is this table (``markdownTable()``;
/// `SettingsTableTests` fails when the two differ). A new variable is one entry here and
/// one read where its configuration struct is built.
public enum Settings {
    static let all = "all"
    static let user = "user-service"
    static let consumers = "consumers"

    // MARK: HTTP

    public static let httpHost = Setting.text("HTTP_HOST", default: "0.0.0.0", readBy: all, help: "the public listener's address")
    public static let httpPort = Setting.integer(
        "HTTP_PORT", default: 8080, range: 0...65535, defaultText: "8080, 8081, 8082", readBy: all,
        help: "the public listener's port (user, analytics, search)"
    )
    public static let httpHeaderTimeoutSeconds = Setting.integer(
        "HTTP_HEADER_TIMEOUT_SECONDS", default: 10, range: 1...3600, readBy: all,
        help: "a request head must be complete this long after its first byte (else 408, closed)"
    )
    public static let httpIdleTimeoutSeconds = Setting.integer(
        "HTTP_IDLE_TIMEOUT_SECONDS", default: 60, range: 1...86_400, readBy: all,
        help: "a connection with no request under way and no traffic this long is closed"
    )
    public static let managementHost = Setting.text(
        "MANAGEMENT_HOST", default: "127.0.0.1", readBy: all,
        help: "the management listener's address: `/metrics`, `/consistency/*`, `/health`, `/ready` (compose: `0.0.0.0` on the internal network, never published)"
    )
    public static let managementPort = Setting.integer(
        "MANAGEMENT_PORT", default: 9180, range: 0...65535, defaultText: "9180, 9181, 9182", readBy: all, help: "the management listener's port (user, analytics, search)"
    )

    // MARK: PostgreSQL

    public static let databaseURL = Setting.optional(
        "DATABASE_URL", defaultText: "`postgres://postgres@127.0.0.1:5432/users` (`analytics`, `search`)", secret: true, readBy: all,
        help: "the service's own database, as its runtime role (data only; logged without its password). TLS with "
            + "`?sslmode=verify-full&sslrootcert=/path/ca.pem` (also `verify-ca`, `require`, `prefer`, `allow`, `disable`, as libpq means them); "
            + "no `sslmode`: not encrypted ([operations](docs/operations.md#production-postgresql-over-tls))"
    )
    public static let migrationDatabaseURL = Setting.optional(
        "MIGRATION_DATABASE_URL", defaultText: "— (required by `migrate` and `rebuild`)", secret: true, readBy: all,
        help: "the database's owner role, which may change the schema: `migrate` applies the migrations with it, `rebuild` swaps tables with it; "
            + "the services never migrate, they refuse to start on a schema that is behind and name `migrate`"
    )
    public static let migrationsPath = Setting.optional(
        "MIGRATIONS_PATH", defaultText: "found next to the working directory or the executable", readBy: all, help: "folder holding `Migrations/`"
    )

    // MARK: Kafka

    public static let kafkaBrokers = Setting.text("KAFKA_BROKERS", default: "127.0.0.1:9092", readBy: all, help: "bootstrap servers")
    public static let kafkaTopic = Setting.text(
        "KAFKA_TOPIC", default: "user-events", readBy: all, help: "event topic (dead letters: `<topic>.<group>.dlq`)"
    )
    public static let kafkaSecurityProtocol = Setting.text(
        "KAFKA_SECURITY_PROTOCOL", default: "plaintext", values: "`plaintext`, `ssl`, `sasl_plaintext`, `sasl_ssl`", readBy: all,
        help: "librdkafka's `security.protocol` for every Kafka client of the service (producer, consumers, admin, dead letters, redrive, rebuild); "
            + "production: `sasl_ssl` ([operations](docs/operations.md#production-kafka-with-sasl_ssl-and-acls))"
    )
    public static let kafkaSASLMechanism = Setting.optional(
        "KAFKA_SASL_MECHANISM", values: "`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`", readBy: all, help: "required with `sasl_*`"
    )
    public static let kafkaSASLUsername = Setting.optional(
        "KAFKA_SASL_USERNAME", readBy: all, help: "the service's principal, required with `sasl_*` (and refused without it)"
    )
    public static let kafkaSASLPassword = Setting.optional(
        "KAFKA_SASL_PASSWORD", secret: true, readBy: all, help: "the principal's password, required with `sasl_*`; a secret, never logged or shown"
    )
    public static let kafkaSSLCALocation = Setting.optional(
        "KAFKA_SSL_CA_LOCATION", defaultText: "the system's trust store", readBy: all,
        help: "with `ssl` / `sasl_ssl`: the PEM file (or directory) of the CA the brokers' certificates must chain to"
    )

    // MARK: Logging

    public static let logLevel = Setting.text(
        "LOG_LEVEL", default: "info", values: "`trace` … `critical`", readBy: all, help: "the lowest level logged"
    )
    public static let logFormat = Setting.text("LOG_FORMAT", default: "logfmt", values: "`logfmt`, `json`", readBy: all, help: "the log lines' format")

    // MARK: Tracing (OpenTelemetry's own variables; swift-otel reads the ones not named here with their standard meanings)

    public static let otelExporterEndpoint = Setting.optional(
        "OTEL_EXPORTER_OTLP_ENDPOINT", defaultText: "— (tracing off)", readBy: all,
        help: "the OTLP/HTTP collector's base URL (spans go to `<url>/v1/traces`; `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` names the full URL instead); "
            + "set, the services trace every request and event ([tracing](docs/architecture.md#tracing)); unset, nothing is recorded or exported"
    )
    public static let otelTracesExporter = Setting.text(
        "OTEL_TRACES_EXPORTER", default: "otlp", values: "`otlp`, `console`, `none`", readBy: all,
        help: "`none` turns tracing off even with an endpoint (so does `OTEL_SDK_DISABLED=true`)"
    )
    public static let otelTracesSampler = Setting.text(
        "OTEL_TRACES_SAMPLER", default: "parentbased_always_on", values: "OpenTelemetry's (`always_on`, `traceidratio`, …)", readBy: all,
        help: "which traces are recorded (with `OTEL_TRACES_SAMPLER_ARG`); a caller's sampled `traceparent` is followed"
    )
    public static let otelServiceName = Setting.text(
        "OTEL_SERVICE_NAME", default: "the process's name", readBy: all, help: "the `service.name` of its spans"
    )
    public static let otelExporterProtocol = Setting.text(
        "OTEL_EXPORTER_OTLP_PROTOCOL", default: "http/protobuf", values: "`http/protobuf`, `http/json`", readBy: all,
        help: "OTLP's encoding (gRPC is not built in)"
    )

    // MARK: Access

    public static let authJWKS = Setting.optional(
        "AUTH_JWKS", defaultText: "— (required to serve)", readBy: all,
        help: "the JWKS (a file path or an http(s) URL, read once at start: after the issuer rotates its keys, restart the services) whose "
            + "ES256/EdDSA keys verify bearer tokens; the local stack writes `.local/auth/jwks.json`, compose a `keys` volume"
    )
    public static let authIssuer = Setting.text("AUTH_ISSUER", default: "event-driven-users", readBy: all, help: "what every token's `iss` must be")
    public static let authAudience = Setting.text("AUTH_AUDIENCE", default: "event-driven-users", readBy: all, help: "what every token's `aud` must include")
    public static let rateLimitPerSecond = Setting.integer(
        "RATE_LIMIT_PER_SECOND", default: 100, range: 1...1_000_000, readBy: all,
        help: "the token bucket's rate for each caller (`sub`, or the client address without a valid token): 429 with `Retry-After` past it"
    )
    public static let rateLimitBurst = Setting.integer("RATE_LIMIT_BURST", default: 200, range: 1...1_000_000, readBy: all, help: "the token bucket's size")
    public static let authSigningKeyFile = Setting.optional(
        "AUTH_SIGNING_KEY_FILE", readBy: "`user-service token`",
        help: "the development issuer's private key (`.local/auth/signing-key.json`, made by `user-service auth-keys`)"
    )

    // MARK: user-service

    public static let outboxRelay = Setting.flag("OUTBOX_RELAY", default: true, readBy: user, help: "`off` runs the API without the relay")
    public static let outboxRetention = Setting.duration(
        "OUTBOX_RETENTION", default: .seconds(24 * 3600), readBy: user, help: "how long published outbox rows are kept (the relay leader purges them)"
    )
    public static let outboxBatchSize = Setting.integer("OUTBOX_BATCH_SIZE", default: 1000, range: 1...10_000, readBy: user, help: "rows the relay reads and sends at a time")
    public static let outboxBatchesInFlight = Setting.integer(
        "OUTBOX_BATCHES_IN_FLIGHT", default: 3, range: 1...64, readBy: user,
        help: "batches with the producer at once: the next is read and sent while the earlier ones' delivery reports arrive"
    )
    public static let heartbeatIntervalSeconds = Setting.integer(
        "HEARTBEAT_INTERVAL_SECONDS", default: 1, range: 1...3600, readBy: user, help: "the relay leader's heartbeats to every partition"
    )
    public static let userTombstoneRetention = Setting.duration(
        "TOMBSTONE_RETENTION", default: .seconds(7 * 24 * 3600), readBy: "user-service, consumers",
        help: "how long tombstones are kept: user-service's deleted users (purged every minute by the API instances) and search's documents "
            + "(with `DEDUP_RETENTION`: it must exceed the topic's retention plus the longest redelivery delay, or a late older update that finds "
            + "no tombstone would bring a deleted user back)"
    )
    public static let searchURL = Setting.text(
        "SEARCH_URL", default: "http://127.0.0.1:9182", readBy: user,
        help: "search's management listener, where `reconcile` and the periodic check read its digests"
    )
    public static let analyticsURL = Setting.text(
        "ANALYTICS_URL", default: "http://127.0.0.1:9181", readBy: user,
        help: "analytics' management listener, where `reconcile` and the periodic check read its digests"
    )
    public static let antiEntropyIntervalSeconds = Setting.integer(
        "ANTI_ENTROPY_INTERVAL_SECONDS", default: 300, range: 0...86_400, readBy: "user-service (relay leader)", help: "the periodic divergence check (0 = off)"
    )
    public static let antiEntropyRepair = Setting.flag(
        "ANTI_ENTROPY_REPAIR", default: true, readBy: "user-service (relay leader)", help: "whether the periodic check repairs what differs"
    )
    public static let eventSigningKey = Setting.optional(
        "EVENT_SIGNING_KEY", defaultText: "— (required where the relay runs)", secret: true, readBy: user,
        help: "the key the relay signs every record with: `<id>:<base64 of at least 32 random bytes>`; a secret, read from a file in both stacks"
    )

    // MARK: Consumers

    public static let consumerGroup = Setting.text(
        "CONSUMER_GROUP", default: "", defaultText: "the service name", readBy: consumers,
        help: "the consumer group; another name runs an independent copy of the projection (own database, dead letters in `<topic>.<group>.dlq`)"
    )
    public static let consumerBatchSize = Setting.integer(
        "CONSUMER_BATCH_SIZE", default: 500, range: 1...10_000, readBy: consumers, help: "records per poll, applied in one transaction"
    )
    public static let consumerMaxAttempts = Setting.integer(
        "CONSUMER_MAX_ATTEMPTS", default: 5, range: 1...100, readBy: consumers,
        help: "attempts of a record whose failure is neither permanent nor transient before it is dead-lettered as `exhausted`"
    )
    public static let consumerRetryCapSeconds = Setting.integer(
        "CONSUMER_RETRY_CAP_SECONDS", default: 30, range: 1...3600, readBy: consumers,
        help: "the longest wait between retries (full-jitter backoff from 100 ms, factor 2) of a failed record or dead-letter publish"
    )
    public static let kafkaFetchWaitMaxMilliseconds = Setting.integer(
        "KAFKA_FETCH_WAIT_MAX_MS", default: 100, range: 1...10_000, defaultText: "100 (the local stack: 5)", readBy: consumers,
        help: "how long a fetch waits on the broker for data. Apache Kafka answers as soon as a record arrives, so there it only paces idle "
            + "fetches; LocalBroker (librdkafka's mock cluster) always waits the full time, so there it adds up to that much to every record's "
            + "latency — the local stack sets 5 ms"
    )
    public static let lagLogIntervalSeconds = Setting.integer(
        "LAG_LOG_INTERVAL_SECONDS", default: 5, range: 1...3600, readBy: consumers, help: "how often the lag line is written"
    )
    public static let stuckAfterSeconds = Setting.integer(
        "STUCK_AFTER_SECONDS", default: 60, range: 1...86_400, readBy: consumers,
        help: "an apply loop without progress this long while records wait is `ERROR` and not ready"
    )
    public static let stalenessSLOMilliseconds = Setting.integer(
        "STALENESS_SLO_MS", default: 5000, range: 1...86_400_000, readBy: consumers, help: "with lag 0, a staleness above this is `STALE`"
    )
    public static let dedupRetention = Setting.duration(
        "DEDUP_RETENTION", default: .seconds(7 * 24 * 3600), readBy: consumers,
        help: "how long `processed_events` rows (and published dead letters) are kept; purged every minute in batches "
            + "(`consumer_dedup_rows_purged_total`). It must exceed the topic's retention plus the longest redelivery delay: a record "
            + "redelivered after its dedup row is gone would be applied again"
    )
    public static let eventVerifyKeys = Setting.optional(
        "EVENT_VERIFY_KEYS", defaultText: "— (required)", secret: true, readBy: consumers,
        help: "the keys a record must be signed with: `<id>:<base64>[,<id>:<base64>…]`, two during a rotation"
    )

    /// Every setting, in the README's order.
    public static let table: [SettingDocumentation] = [
        httpHost.documentation, httpPort.documentation, httpHeaderTimeoutSeconds.documentation, httpIdleTimeoutSeconds.documentation,
        managementHost.documentation, managementPort.documentation,
        databaseURL.documentation, migrationDatabaseURL.documentation, migrationsPath.documentation,
        kafkaBrokers.documentation, kafkaTopic.documentation, kafkaSecurityProtocol.documentation, kafkaSASLMechanism.documentation,
        kafkaSASLUsername.documentation, kafkaSASLPassword.documentation, kafkaSSLCALocation.documentation,
        logLevel.documentation, logFormat.documentation,
        otelExporterEndpoint.documentation, otelTracesExporter.documentation, otelTracesSampler.documentation, otelServiceName.documentation,
        otelExporterProtocol.documentation,
        authJWKS.documentation, authIssuer.documentation, authAudience.documentation, rateLimitPerSecond.documentation,
        rateLimitBurst.documentation, authSigningKeyFile.documentation,
        outboxRelay.documentation, outboxRetention.documentation, outboxBatchSize.documentation, outboxBatchesInFlight.documentation,
        heartbeatIntervalSeconds.documentation, userTombstoneRetention.documentation, searchURL.documentation, analyticsURL.documentation,
        antiEntropyIntervalSeconds.documentation, antiEntropyRepair.documentation, eventSigningKey.documentation,
        consumerGroup.documentation, consumerBatchSize.documentation, consumerMaxAttempts.documentation, consumerRetryCapSeconds.documentation,
        kafkaFetchWaitMaxMilliseconds.documentation, lagLogIntervalSeconds.documentation, stuckAfterSeconds.documentation,
        stalenessSLOMilliseconds.documentation, dedupRetention.documentation, eventVerifyKeys.documentation,
    ]

    /// The `--help` text of the settings a process reads: one line each, `NAME (default; values): help`.
    public static func help(readBy readers: Set<String>) -> String {
        let lines = table.filter { setting in setting.readBy == all || readers.contains { setting.readBy.contains($0) } }.map { setting in
            let name = setting.alsoFromFile ? "\(setting.name) or \(setting.name)_FILE" : setting.name
            let qualifiers = [setting.defaultText, setting.values].filter { !$0.isEmpty }.joined(separator: "; ")
            return plainText("\(name) (\(qualifiers)): \(setting.help)")
        }
        return "Configuration comes from the environment (a set but unusable value stops the process with a message):\n" + lines.joined(separator: "\n")
    }

    /// Markdown as a terminal shows it: no backticks, a link's text without its target.
    private static func plainText(_ markdown: String) -> String {
        markdown.replacingOccurrences(of: #"\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
            .replacingOccurrences(of: "`", with: "")
    }

    /// The README's configuration table.
    public static func markdownTable() -> String {
        var lines = ["| variable | default | values | read by | what |", "|---|---|---|---|---|"]
        for setting in table {
            let name = setting.alsoFromFile ? "`\(setting.name)` (or `\(setting.name)_FILE`)" : "`\(setting.name)`"
            lines.append("| \(name) | \(setting.defaultText) | \(setting.values) | \(setting.readBy) | \(setting.help) |")
        }
        return lines.joined(separator: "\n")
    }
}
