import PostgresNIO

/// What a PostgreSQL error means to the application.
public enum PostgresErrorInspection {
    /// The error that decided a transaction's fate, looking through PostgresNIO's
    /// `PostgresTransactionError`: the closure's own error, else `BEGIN`'s, else `COMMIT`'s.
    /// Any other error is its own cause. The one place that unwraps the wrapper:
    /// ``DatabaseClient/withTransaction(limit:_:)`` throws the cause, so a domain error
    /// raised inside a transaction reaches its caller as itself.
    public static func cause(of error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? error
    }

    /// The underlying `PSQLError`, if any.
    public static func psqlError(in error: any Error) -> PSQLError? {
        cause(of: error) as? PSQLError
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
