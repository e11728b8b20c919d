import Access
import ArgumentParser
import Database
import Foundation
import HTTPSupport
import Hummingbird
import Kafka
import Logging
import Observability
import PostgresNIO
import ServiceBootstrap
import ServiceConfiguration
import ServiceLifecycle

/// `user-service`: the profile API with its transactional outbox and relay.
public struct UserServiceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "user-service",
        abstract: "User profiles in PostgreSQL, published to Kafka through a transactional outbox.",
        discussion: Settings.help(readBy: ["user-service"]),
        subcommands: [
            Serve.self, Relay.self, MigrateCommand<UserServiceCommand>.self, ReconcileCommand.self, SnapshotCommand.self, TokenCommand.self,
            AuthKeysCommand.self, ProbeCommand.self,
        ],
        defaultSubcommand: Serve.self
    )

    public init() {}

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

    static func bootstrap() throws -> (UserServiceConfiguration, Telemetry, Logger) {
        try ProcessBootstrap.start(service: "user-service", logging: \.logging) { environment throws(ConfigurationError) in
            try UserServiceConfiguration(environment: environment)
        }
    }
}

extension UserServiceCommand: MigratableService {
    public static let serviceName = "user-service"

    public static func migrationTarget(environment: [String: String]) throws(ConfigurationError) -> MigrationTarget {
        let reader = EnvironmentReader(environment)
        let migrationsPath = try reader.value(Settings.migrationsPath)
        return MigrationTarget(
            databaseURL: try PostgresURL.migration(from: reader),
            schema: UserServiceConfiguration.schema(migrationsPath: migrationsPath),
            logging: try LoggingSettings(environment: reader)
        )
    }
}
