import Database
import PostgresNIO

/// A read model built from `user-events`.
///
/// The runtime calls ``apply(_:duplicatesSkipped:on:)`` inside the transaction
/// that also records the events in `processed_events`: either both commit or
/// neither does. It only passes events seen for the first time, in partition
/// order; events of one user are always in the order they were published.
/// Projections must still tolerate a user's events out of version order
/// (a redrive, a replay), for example by applying only newer versions.
public protocol EventProjection: Sendable {
    /// The migrations folder under `Migrations/` (`analytics`, `search`).
    static var migrationsName: String { get }

    /// The projection's tables, all of them: a rebuild builds them anew in a shadow
    /// schema and swaps them with the live ones in one transaction.
    static var tables: [String] { get }

    func apply(_ events: [ConsumedEvent], duplicatesSkipped: Int, on connection: PostgresConnection) async throws

    /// Deletes up to `limit` tombstones older than `age`; returns how many. Projections
    /// without tombstones keep the default (none).
    func purgeTombstones(olderThan age: Duration, limit: Int, database: DatabaseClient) async throws -> Int
}

extension EventProjection {
    public func purgeTombstones(olderThan age: Duration, limit: Int, database: DatabaseClient) async throws -> Int { 0 }
}
