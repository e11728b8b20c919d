import Events
import PostgresNIO

/// Marks delivered outbox rows published and, in the same statement, purges what
/// user-service still keeps of the personal data of the users among them who are deleted
/// (no longer in `users`): the name, email and bio leave the payloads of their published
/// `UserProfileUpdated` rows — those marked now and those marked before — and their
/// stored `Idempotency-Key` answers become ``IdempotencyKeys/deletedUserAnswer``.
///
/// So a deleted user's data goes in the relay round that publishes its `UserDeleted`, and
/// never sooner from a row the topic has not got yet: only rows marked published are
/// changed, after the broker acknowledged them, and the relay never reads a published row
/// again, so what is published, and in which order, does not change. A row of the user
/// published after its delete (a snapshot chunk read before it) is purged as it is marked.
/// The rows stay, without the profile, until `OUTBOX_RETENTION` as every published row does
/// (`scripts/chaos.sh` compares their count with the events the consumers applied).
///
/// The purges are gated by `EXISTS (SELECT 1 FROM gone)`, a one-time filter: a batch without
/// a deleted user (nearly every batch) never plans a scan of the published rows. Without it,
/// after statistics taken while the outbox was unpublished (a backlog, a restore), PostgreSQL
/// scanned every published row for each batch, parsing its JSON: the marking took 160 ms at
/// 40,000 published rows and the relay drained a 50,000-row backlog at 8,000 rows/s.
///
/// The statement sees the users table as of its own start: a user deleted after that is
/// purged when its `UserDeleted` is marked, in a later round; an `Idempotency-Key` answer
/// about the user was committed before the delete (a write holds the user's row lock until
/// its answer commits), so it is there to be purged by then.
struct MarkPublishedStatement: PostgresPreparedStatement {
    /// How many deleted users were purged.
    typealias Row = Int

    static let sql = """
        WITH gone AS MATERIALIZED (
            SELECT DISTINCT o.aggregate_id AS id FROM outbox o
            WHERE o.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.aggregate_id)
        ), marked AS (
            UPDATE outbox o SET published_at = clock_timestamp(),
                payload = CASE WHEN o.event_type = $2 AND o.aggregate_id IN (SELECT id FROM gone)
                               THEN \(UserEvent.withoutPersonalDataSQL(of: "o.payload")) ELSE o.payload END
            WHERE o.id = ANY($1)
        ), published_before AS (
            UPDATE outbox o SET payload = \(UserEvent.withoutPersonalDataSQL(of: "o.payload"))
            FROM gone g
            WHERE EXISTS (SELECT 1 FROM gone) AND o.aggregate_id = g.id AND o.published_at IS NOT NULL AND o.event_type = $2
              AND \(UserEvent.hasPersonalDataSQL(of: "o.payload"))
        ), answers AS (
            UPDATE idempotency_keys k
            SET status_code = $3, fingerprint = '', etag = NULL, location = NULL, body = $4, user_id = NULL
            FROM gone g WHERE EXISTS (SELECT 1 FROM gone) AND k.user_id = g.id
        )
        SELECT count(*) FROM gone
        """
    static let bindingDataTypes: [PostgresDataType] = [.int8Array, .text, .int4, .text]

    /// The outbox rows the broker acknowledged.
    var ids: [Int64]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(ids)
        bindings.append(EventType.userProfileUpdated.rawValue)
        bindings.append(Int32(IdempotencyKeys.deletedUserAnswer.status))
        bindings.append(IdempotencyKeys.deletedUserAnswer.body)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Int.self)
    }
}
