import AsyncPrimitives
import Logging
import PostgresNIO

/// How the services reach PostgreSQL through a connection pool while they serve: every
/// call answers — with its result, its error, ``DatabaseConnectionLost`` as
/// soon as its connection closes, or `TimeLimit.Exceeded` after its limit —
/// so no service can hang on a database call after a crash or restart of the
/// server (see ``PostgresConnection/guarded(limit:_:)`` for why that is not a
/// given with PostgresNIO alone).
///
/// The pool itself (`pool`) is still a `Service` of the application; this type
/// only wraps the calls. The one exception is ``MigrationRunner``, which holds one pooled
/// connection for the whole run (its advisory lock and each file's transaction must share
/// it) and runs before serving or as the `migrate` command, guarded the same way but with
/// a limit of its own (ten minutes: a migration may rewrite a table).
public struct DatabaseClient: Sendable {
    /// The pool, to run as a service of the application.
    public let pool: PostgresClient
    /// How long one call (waiting for a connection included) may take.
    public let callLimit: Duration
    let logger: Logger

    public init(pool: PostgresClient, callLimit: Duration = .seconds(30), logger: Logger) {
        self.pool = pool
        self.callLimit = callLimit
        self.logger = logger
    }

    /// Runs `body` on a pooled connection within `limit` (default ``callLimit``).
    @discardableResult
    public func withConnection<T: Sendable>(
        limit: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let limit = limit ?? callLimit
        let pool = self.pool
        // The outer limit also bounds the wait for a connection (the server may
        // be down); a little longer than the inner one, so that on a slow query
        // the inner limit fires first and closes the connection it abandons.
        return try await TimeLimit.run(limit + .milliseconds(500)) {
            try await pool.withConnection { connection in
                try await connection.guarded(limit: limit, body)
            }
        }
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`, `ROLLBACK` on error) within `limit`.
    /// A failure is thrown as its cause (``PostgresErrorInspection/cause(of:)``): the error
    /// `body` threw, or `BEGIN`'s or `COMMIT`'s — never PostgresNIO's wrapper around them.
    @discardableResult
    public func withTransaction<T: Sendable>(
        limit: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        do {
            return try await withConnection(limit: limit) { connection in
                try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch {
            throw PostgresErrorInspection.cause(of: error)
        }
    }

    /// Runs one statement and returns all its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, limit: Duration? = nil) async throws -> [PostgresRow] {
        let logger = self.logger
        return try await withConnection(limit: limit) { connection in
            try await connection.query(query, logger: logger).collect()
        }
    }

    /// Whether `SELECT 1` answers within `limit`: the readiness check.
    public func isReachable(within limit: Duration = .seconds(2)) async -> Bool {
        (try? await query("SELECT 1", limit: limit)) != nil
    }
}
