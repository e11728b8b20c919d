import Events
import Foundation
import PostgresNIO

/// A delete as one prepared statement: lock the row, check `If-Match`, delete it,
/// record the tombstone (the version after the last, so a stale event never brings
/// the user back) and append its `UserDeleted` to the outbox.
struct DeleteUserStatement: PostgresPreparedStatement {
    /// Whether the `If-Match` versions matched (the user is deleted if so), and the
    /// version the user had.
    typealias Row = (matched: Bool, version: Int64)

    static let sql = """
        WITH locked AS MATERIALIZED (
            SELECT id, version, ($2::bigint[] IS NULL OR version = ANY($2::bigint[])) AS matches
            FROM users WHERE id = $1 FOR UPDATE
        ), gone AS (
            DELETE FROM users u USING locked c WHERE u.id = c.id AND c.matches
            RETURNING u.id, c.version + 1 AS version, \(UserEvent.timeSQL) AS time
        ), tombstone AS (
            INSERT INTO user_tombstones (id, version, deleted_at) SELECT id, version, time FROM gone
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, deleted_at = EXCLUDED.deleted_at
        ), event AS (
            INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at, trace_parent, trace_state)
            SELECT $3, g.id, $5, ($4::jsonb || \(UserEvent.deletedCompletionSQL(of: "g")))::text, g.time, $6, $7
            FROM gone g
        )
        SELECT matches, version FROM locked
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .int8Array, .uuid, .text, .text, .text, .text]

    var id: UUID
    /// The versions `If-Match` names; `nil` for any (no header, or `*`).
    var versions: [Int64]?
    var eventID: UUID
    var envelope: String
    /// The write's span, which the relay's publish continues (`nil`: not traced).
    var trace: TraceContext?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(id)
        bindings.append(versions)
        bindings.append(eventID)
        bindings.append(envelope)
        bindings.append(EventType.userDeleted.rawValue)
        bindings.append(trace?.traceparent)
        bindings.append(trace?.tracestate)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (matched, version) = try row.decode((Bool, Int64).self)
        return (matched, version)
    }
}
