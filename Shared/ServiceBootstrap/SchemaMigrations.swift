import AsyncPrimitives
import Foundation
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

    /// The migrations not applied yet, as `folder/0003_name`, read without changing anything.
    public func pending(client: PostgresClient, logger: Logger) async throws -> [String] {
        var pending: [String] = []
        for set in sets {
            let runner = try MigrationRunner(
                service: set.folder, migrationsPath: migrationsPath, client: client, historyTable: set.historyTable, logger: logger
            )
            pending += try await runner.pending().map { "\(set.folder)/\(String(format: "%04d", $0.version))_\($0.name)" }
        }
        return pending
    }

    /// Before the server starts, checks that every migration is applied, then opens `ready`,
    /// which the services that need the schema wait for. A service never migrates its own
    /// database (its runtime role may not change the schema): when the schema is behind, the
    /// start-up fails, and `ready` with it, naming `migrateCommand` (run as the owner role).
    public func requireCurrentBeforeServing<Responder>(
        _ app: inout Application<Responder>, client: PostgresClient, database: PostgresURL, migrateCommand: String, ready: AsyncLatch,
        logger: Logger
    ) {
        app.beforeServerStarts {
            do {
                // Credentials or a database the server refuses stop the start-up at once; a server
                // that does not answer yet is waited for (the pool retries).
                do {
                    try await database.probe(logger: logger)
                } catch let refusal as DatabaseRefusal where refusal.isPermanent {
                    throw refusal
                } catch {
                    logger.warning("the database does not answer yet; waiting for it", metadata: ["database": "\(database)", "error": "\(error)"])
                }
                let pending = try await self.pending(client: client, logger: logger)
                guard pending.isEmpty else {
                    throw MigrationError(
                        .behind,
                        "the schema of \(database) is behind: \(pending.count) migration(s) not applied (\(pending.joined(separator: ", "))); "
                            + "run `\(migrateCommand)` with MIGRATION_DATABASE_URL naming the database's owner role, then start the service again"
                    )
                }
                logger.info("database ready", metadata: ["database": "\(database)"])
                ready.open()
            } catch {
                logger.critical("the database is not ready: \(error)")
                ready.fail(error)
                throw error
            }
        }
    }
}
