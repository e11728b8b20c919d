import ArgumentParser
import Database
import PostgresNIO
import ServiceConfiguration

/// `migrate`: apply the service's migrations and exit.
public struct MigrateCommand<Service: MigratableService>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrate", abstract: "Apply the database migrations and exit.")
    }

    public init() {}

    public func run() async throws {
        let (target, _, logger) = try ProcessBootstrap.start(service: Service.serviceName, logging: \.logging) { environment throws(ConfigurationError) in
            try Service.migrationTarget(environment: environment)
        }
        // One connection first: a wrong address or password fails here at once with the server's reason.
        try await target.databaseURL.probe(logger: logger)
        let client = PostgresClient(configuration: target.databaseURL.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let applied = try await target.schema.apply(client: client, logger: logger)
            logger.info("migrations applied", metadata: ["database": "\(target.databaseURL)", "applied": "\(applied)"])
            group.cancelAll()
        }
    }
}
