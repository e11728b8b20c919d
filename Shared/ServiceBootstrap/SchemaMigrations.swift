import AsyncPrimitives
import Database
import Hummingbird
import Logging
import PostgresNIO

/// The migration sets a service applies at start-up and in its `migrate`
/// command, in order (a component's own tables first, then the service's).
public struct SchemaMigrations: Sendable {
    public let sets: [MigrationSet]
    public let migrationsPath: String?

    public init(_ sets: [MigrationSet], migrationsPath: String?) {
        self.sets = sets
        self.migrationsPath = migrationsPath
    }

    /// Applies what is missing of every set; returns the versions applied, per folder.
    @discardableResult
    public func apply(client: PostgresClient, logger: Logger) async throws -> [String: [Int]] {
        var applied: [String: [Int]] = [:]
        for set in sets {
            applied[set.folder] = try await MigrationRunner(
                service: set.folder, migrationsPath: migrationsPath, client: client, historyTable: set.historyTable, logger: logger
            ).migrate()
        }
        return applied
    }

    /// Applies the migrations before the server starts and then opens `ready`,
    /// which the services that need the schema wait for; a failure fails
    /// `ready` too and stops the start-up.
    public func applyBeforeServing<Responder>(
        _ app: inout Application<Responder>, client: PostgresClient, database: PostgresURL, ready: AsyncLatch, logger: Logger
    ) {
        app.beforeServerStarts {
            do {
                let applied = try await self.apply(client: client, logger: logger)
                logger.info("database ready", metadata: [
                    "database": "\(database)", "migrations_applied": "\(applied.values.reduce(0) { $0 + $1.count })",
                ])
                ready.open()
            } catch {
                ready.fail(error)
                throw error
            }
        }
    }
}
