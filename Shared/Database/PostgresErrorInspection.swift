import PostgresNIO

/// What a PostgreSQL error means to the application, looking through
/// PostgresNIO's transaction wrapper.
public enum PostgresErrorInspection {
    /// The underlying `PSQLError`, if any.
    public static func psqlError(in error: any Error) -> PSQLError? {
        if let error = error as? PSQLError { return error }
        if let transaction = error as? PostgresTransactionError {
            for inner in [transaction.closureError, transaction.commitError, transaction.beginError] {
                if let inner, let found = psqlError(in: inner) { return found }
            }
        }
        return nil
    }

    /// The five-character SQLSTATE, e.g. `23505` (unique violation).
    public static func sqlState(of error: any Error) -> String? {
        psqlError(in: error)?.serverInfo?[.sqlState]
    }

    public static func constraintName(of error: any Error) -> String? {
        psqlError(in: error)?.serverInfo?[.constraintName]
    }

    public static func isUniqueViolation(_ error: any Error, constraint: String? = nil) -> Bool {
        guard sqlState(of: error) == "23505" else { return false }
        return constraint == nil || constraintName(of: error) == constraint
    }
}
