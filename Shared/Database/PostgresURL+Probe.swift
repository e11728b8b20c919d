import Logging
import PostgresNIO

extension PostgresURL {
    /// Opens one connection and closes it. A wrong password, an unknown role or database
    /// fails here at once with the server's reason — where a pool would keep retrying, as
    /// it must for a server that is merely not up yet. Whether a failure is such a refusal:
    /// ``DatabaseRefusal/isPermanent``.
    public func probe(logger: Logger) async throws(DatabaseRefusal) {
        do {
            let connection = try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            let info = PostgresErrorInspection.psqlError(in: error)?.serverInfo
            throw DatabaseRefusal(
                url: self, sqlState: info?[.sqlState], reason: info?[.message] ?? "\(error)"
            )
        }
    }
}
