import AsyncPrimitives
import Database
import Kafka
import NIOCore
import PostgresNIO

/// How the consumer treats an error while applying events. The rules, one row
/// each, are the table in docs/architecture.md ("Failure classes"); each row
/// has a unit test.
public enum FailureClass: String, Sendable, Equatable {
    /// The record can never be applied: dead-lettered at once.
    case permanent
    /// The database or broker is unavailable, or a transaction lost a race:
    /// retried with backoff for as long as it takes, never dead-lettered.
    case transient
    /// Anything else: retried up to the attempt limit, then dead-lettered as `exhausted`.
    case other

    /// Classifies by type, by PostgreSQL's SQLSTATE class and by librdkafka's
    /// retriable flag — never by the text of a message.
    public static func classify(_ error: any Error) -> FailureClass {
        switch PostgresErrorInspection.cause(of: error) {
        case is PermanentEventError:
            return .permanent
        case is DatabaseConnectionLost, is TimeLimit.Exceeded:
            return .transient
        case let kafka as KafkaError:
            return kafka.isRetriable ? .transient : .other
        case let psql as PSQLError:
            return classify(psql)
        case is ChannelError, is IOError:
            return .transient // the connection to the server failed below PostgresNIO
        default:
            return .other
        }
    }

    private static func classify(_ error: PSQLError) -> FailureClass {
        switch error.code {
        case .server:
            return classify(sqlState: error.serverInfo?[.sqlState] ?? "")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
            return .transient
        default:
            return .other
        }
    }

    /// The SQLSTATE rules (PostgreSQL's error codes appendix names each class).
    static func classify(sqlState: String) -> FailureClass {
        switch sqlState {
        case "40001", "40P01": return .transient // serialization failure, deadlock: retry the transaction
        case "55P03": return .transient // lock not available
        case "57014": return .transient // statement cancelled (time-out, operator)
        case "57P01", "57P02", "57P03": return .transient // admin/crash shutdown, cannot connect now
        default: break
        }
        switch sqlState.prefix(2) {
        case "08": return .transient // connection exception
        case "53": return .transient // insufficient resources: disk full, out of memory, too many connections
        case "58": return .transient // system error (I/O) outside PostgreSQL
        case "28", "3D", "3F", "42": return .transient // our own setup is wrong (credentials, missing schema or table): stall visibly, never dead-letter good events
        case "22": return .permanent // data exception: this record's data can never be stored (e.g. NUL in text)
        case "23": return .permanent // integrity constraint violation caused by this record
        default: return .other
        }
    }

    /// A short, human explanation for the `dlq-error` header and logs: no
    /// debug dump, no SQL text.
    public static func explain(_ error: any Error) -> String {
        let error = PostgresErrorInspection.cause(of: error)
        switch error {
        case let permanent as PermanentEventError:
            return permanent.reason
        case is PostgresTransactionError:
            return "the database transaction failed"
        case let psql as PSQLError:
            if psql.code == .server, let message = psql.serverInfo?[.message] {
                let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return "the database refused the event: \(message)\(state)"
            }
            return "database error: \(psql.code)"
        case let kafka as KafkaError:
            return kafka.description
        default:
            let text = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            return text.count > 300 ? String(text.prefix(300)) + "…" : text
        }
    }
}
