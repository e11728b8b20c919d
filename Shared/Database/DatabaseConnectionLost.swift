/// A database call was abandoned because its connection closed underneath it
/// (the server restarted or terminated the backend, the network dropped).
///
/// PostgresNIO can leave a query on a connection that has just closed waiting
/// forever (its write to the closed channel is dropped), so every call made
/// through ``DatabaseClient`` or ``PostgresConnection/guarded(limit:_:)`` fails
/// with this error as soon as the connection's close is seen. It is transient:
/// the same work can succeed on a new connection.
public struct DatabaseConnectionLost: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "the database connection was closed while a call was running on it" }
}
