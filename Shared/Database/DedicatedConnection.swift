import AsyncPrimitives
import Logging
import NIOPosix
import PostgresNIO

/// Work that must own its PostgreSQL session — a session-level advisory lock,
/// `LISTEN` — on a connection of its own rather than one leased from the pool:
/// the session lives exactly as long as the work, closing it releases what it
/// held, and a pool shutting down can never close it underneath.
public enum DedicatedConnection {
    /// Runs `body` on a fresh connection, again and again, until the task is
    /// cancelled: when `body` returns, at once; when the connection or `body`
    /// fails, or the connection closes under `body`, after `retry`'s wait (`onRetry`
    /// is told the error, attempt and delay).
    public static func run(
        _ url: PostgresURL,
        id: Int,
        retry: RetryPolicy,
        logger: Logger,
        onRetry: (any Error, Int, Duration) -> Void,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws {
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: url.connectionConfiguration, id: id, logger: logger
                ).get()
                failures = 0
                do {
                    // Ends with `DatabaseConnectionLost` the moment the connection closes,
                    // even if `body` waits on something the closed connection will never answer.
                    try await connection.guarded(limit: nil, body)
                } catch {
                    try? await connection.close().get()
                    throw error
                }
                try? await connection.close().get()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failures += 1
                let delay = retry.delay(attempt: failures)
                onRetry(error, failures, delay)
                try await Task.sleep(for: delay)
            }
        }
    }
}
