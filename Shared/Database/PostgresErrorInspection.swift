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

    /// Errors after which the same work can succeed later: the server is
    /// unreachable or restarting, or the transaction lost a serialization race.
    public static func isTransient(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            return [transaction.closureError, transaction.commitError, transaction.beginError]
                .compactMap { $0 }.contains { isTransient($0) }
        }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
                return true
            case .server:
                let state = psql.serverInfo?[.sqlState] ?? ""
                return state == "40001" || state == "40P01" || state.hasPrefix("08") || state.hasPrefix("57P")
                    || state == "53300" || state == "55P03"
            default:
                return false
            }
        }
        // NIO connect failures and the like surface as non-PSQL errors.
        let text = String(reflecting: error)
        return text.contains("connect") || text.contains("Connection refused") || text.contains("ChannelError")
    }
}
