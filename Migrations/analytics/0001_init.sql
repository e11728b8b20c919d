-- analytics-service schema: the activity projections. The consumer runtime's own tables
-- (dedup, dead-letter outbox) are in Migrations/consumer.

-- One row per user seen. Counts are sums of applied events, so they do not
-- depend on arrival order; `deleted` is a tombstone that nothing clears.
CREATE TABLE user_activity (
    user_id       uuid        PRIMARY KEY,
    updates       bigint      NOT NULL DEFAULT 0,     -- applied UserProfileUpdated events with version > 1
    last_version  bigint      NOT NULL,               -- highest version seen
    deleted       boolean     NOT NULL DEFAULT false,
    last_event_at timestamptz NOT NULL
);

-- The summary's counters, one row each, changed in the applying transaction.
CREATE TABLE analytics_counters (
    name  text   PRIMARY KEY,
    value bigint NOT NULL DEFAULT 0
);

INSERT INTO analytics_counters (name) VALUES
    ('events_applied'), ('duplicates_skipped'), ('profile_updates'),
    ('updates_name'), ('updates_email'), ('updates_bio');
