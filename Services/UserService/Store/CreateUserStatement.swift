import Events
import Foundation
import PostgresNIO

/// A new user as one prepared statement: the row (version 1) and its
/// `UserProfileUpdated` in the outbox, with the time PostgreSQL gives both.
struct CreateUserStatement: PostgresPreparedStatement {
    /// The time of the creation (`created_at`, `updated_at` and the event's `time`).
    typealias Row = Date

    static let sql = """
        WITH created AS (
            INSERT INTO users (id, name, email, bio, version, created_at, updated_at)
            SELECT $1, $2, $3, $4, 1, clock.time, clock.time FROM (SELECT \(UserEvent.timeSQL) AS time) clock
            RETURNING id, name, email, bio, version, updated_at AS time, $5::text[] AS fields
        ), event AS (
            INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at, trace_parent, trace_state)
            SELECT $6, c.id, $8, ($7::jsonb || \(UserEvent.profileUpdatedCompletionSQL(of: "c")))::text, c.time, $9, $10
            FROM created c
        )
        SELECT time FROM created
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .text, .text, .text, .textArray, .uuid, .text, .text, .text, .text]

    var id: UUID
    var profile: ProfileInput
    var eventID: UUID
    var envelope: String
    /// The write's span, which the relay's publish continues (`nil`: not traced).
    var trace: TraceContext?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(id)
        bindings.append(profile.name)
        bindings.append(profile.email)
        bindings.append(profile.bio)
        bindings.append(ProfileField.allCases.map(\.rawValue))
        bindings.append(eventID)
        bindings.append(envelope)
        bindings.append(EventType.userProfileUpdated.rawValue)
        bindings.append(trace?.traceparent)
        bindings.append(trace?.tracestate)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Date.self)
    }
}
