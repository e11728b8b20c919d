import ArgumentParser
import Database
import Foundation
import HTTPSupport
import Hummingbird
import Logging
import Observability
import PostgresNIO
import ServiceConfiguration
import ServiceLifecycle

/// `user-service`: the profile API with its transactional outbox and relay.
@main
struct UserServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user-service",
        abstract: "User profiles in PostgreSQL, published to Kafka through a transactional outbox.",
        discussion: """
            Configuration comes from the environment: HTTP_HOST, HTTP_PORT (8080), DATABASE_URL, KAFKA_BROKERS, \
            KAFKA_TOPIC, LOG_LEVEL, LOG_FORMAT (logfmt|json), OUTBOX_RELAY (on|off), OUTBOX_RETENTION (24h), \
            MIGRATIONS_PATH, \(HTTPTimeouts.environmentHelp).
            """,
        subcommands: [Serve.self, Relay.self, Migrate.self],
        defaultSubcommand: Serve.self
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the HTTP API and, unless OUTBOX_RELAY=off, the outbox relay (default).")

        func run() async throws {
            let (configuration, telemetry, logger) = try UserServiceCommand.bootstrap()
            let role: UserServiceRole = configuration.outboxRelayEnabled ? .apiAndRelay : .apiOnly
            try await buildApplication(configuration: configuration, role: role, telemetry: telemetry, logger: logger).runService()
        }
    }

    struct Relay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run only the outbox relay (with /health, /ready and /metrics).")

        func run() async throws {
            let (configuration, telemetry, logger) = try UserServiceCommand.bootstrap()
            try await buildApplication(configuration: configuration, role: .relayOnly, telemetry: telemetry, logger: logger).runService()
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the database migrations and exit.")

        func run() async throws {
            let (configuration, _, logger) = try UserServiceCommand.bootstrap()
            let client = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                let applied = try await MigrationRunner(service: "users", migrationsPath: configuration.migrationsPath, client: client, logger: logger).migrate()
                logger.info("migrations applied", metadata: ["database": "\(configuration.databaseURL)", "applied": "\(applied)"])
                group.cancelAll()
            }
        }
    }

    static func bootstrap() throws -> (UserServiceConfiguration, Telemetry, Logger) {
        let configuration: UserServiceConfiguration
        do {
            configuration = try UserServiceConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        let telemetry = Telemetry()
        Telemetry.bootstrapProcess(service: "user-service", level: configuration.logLevel, format: configuration.logFormat, telemetry: telemetry)
        return (configuration, telemetry, Logger(label: "user-service"))
    }
}
