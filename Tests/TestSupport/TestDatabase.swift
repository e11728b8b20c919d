import ServiceConfiguration
import Database
import Foundation
import Logging
import PostgresNIO
import ServiceBootstrap

/// A fresh, empty PostgreSQL database on the throwaway server that
/// `scripts/test.sh` started (`TEST_DATABASE_URL`), with a running client.
public struct TestDatabase: Sendable {
    public let url: PostgresURL
    public let client: PostgresClient
    public let logger: Logger

    /// The server's administrative URL, from `TEST_DATABASE_URL`.
    public static func serverURL() throws -> PostgresURL {
        guard let value = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] else {
            throw ConfigurationError("TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts a throwaway PostgreSQL")
        }
        return try PostgresURL(value)
    }

    /// Creates a database with a unique name and returns its URL.
    public static func create(prefix: String = "test") async throws -> PostgresURL {
        let server = try serverURL()
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try await withAdminConnection(server) { connection, logger in
            // An identifier cannot be a bound parameter; `name` is generated above from [a-z0-9_].
            try await connection.query("CREATE DATABASE \(unescaped: name)", logger: logger)
        }
        return server.with(database: name)
    }

    /// Runs one statement against the server's administrative database.
    public static func withAdminConnection(
        _ server: PostgresURL, _ body: (PostgresConnection, Logger) async throws -> Void
    ) async throws {
        let logger = Logger(label: "test-database-admin")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: server.host, port: server.port, username: server.username, password: server.password, database: server.database, tls: .disable),
            id: 1,
            logger: logger
        )
        do {
            try await body(connection, logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

extension TestDatabase {
    /// Applies a service's migrations, as its `migrate` command does before the service
    /// starts (a service refuses to start on a schema that is behind).
    public func migrate(_ schema: SchemaMigrations) async throws {
        try await schema.apply(client: client, logger: logger)
    }
}

/// Runs `body` with a fresh database and a running client for it.
public func withTestDatabase<T: Sendable>(
    prefix: String = "test",
    _ body: (TestDatabase) async throws -> T
) async throws -> T {
    try await withTestDatabase(url: try await TestDatabase.create(prefix: prefix), body)
}

/// Runs `body` with a running client for an existing database (e.g. as one of ``TestRoles``' roles).
public func withTestDatabase<T: Sendable>(url: PostgresURL, _ body: (TestDatabase) async throws -> T) async throws -> T {
    var logger = Logger(label: "test-database")
    logger.logLevel = .critical
    let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 10), backgroundLogger: logger)
    return try await withRunningService(client) {
        try await body(TestDatabase(url: url, client: client, logger: logger))
    }
}
