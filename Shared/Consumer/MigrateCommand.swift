import ArgumentParser
import Database
import PostgresNIO

/// `migrate`: apply the service's migrations and exit.
public struct MigrateCommand<Definition: ConsumerServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrate", abstract: "Apply the database migrations and exit.")
    }

    public init() {}

    public func run() async throws {
        let (configuration, _, logger) = try ConsumerBootstrap.start(Definition.self)
        let client = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let applied = try await MigrationRunner(
                service: Definition.Projection.migrationsName, migrationsPath: configuration.migrationsPath, client: client, logger: logger
            ).migrate()
            logger.info("migrations applied", metadata: ["database": "\(configuration.databaseURL)", "applied": "\(applied)"])
            group.cancelAll()
        }
    }
}
