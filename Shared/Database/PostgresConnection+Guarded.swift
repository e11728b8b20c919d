import AsyncPrimitives
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` on this connection and guarantees an answer: its result or
    /// error, ``DatabaseConnectionLost`` as soon as the connection closes, or
    /// `TimeLimit.Exceeded` after `limit` (if one is given), in which case the connection is
    /// closed first (so the abandoned work cannot go on using it, and a pool
    /// discards it rather than handing it out again).
    ///
    /// Why: PostgresNIO writes a query to its channel without a promise, so a
    /// query sent on a connection that the server has just closed is dropped
    /// and waits forever (reproduced with `pg_terminate_backend` on an idle
    /// connection, then one query). Racing the close future makes the failure
    /// prompt (``ConnectionCloseWatch``: one callback per connection, not per call); the
    /// time limit covers a server or network that stops answering without closing.
    public func guarded<T: Sendable>(
        limit: Duration?, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let watch = ConnectionCloseWatch.of(self)
        let registration = ConnectionCloseWatch.Registration()
        defer { watch.leave(registration) }
        do {
            return try await TimeLimit.run(limit, interruptedBy: { interrupt in watch.join(registration, interrupt: interrupt) }) {
                try await body(self)
            }
        } catch let error as TimeLimit.Exceeded {
            try? await self.close().get()
            throw error
        }
    }
}
