-- The consumer runtime's tables, in every consumer service's database (its
-- history is kept in schema_migrations_consumer, apart from the service's own).

-- One row per applied event id, inserted in the same transaction as the
-- projection change: a redelivered event finds its id here and is skipped.
CREATE TABLE processed_events (
    event_id        uuid        PRIMARY KEY,
    event_type      text        NOT NULL,
    user_id         uuid        NOT NULL,
    version         bigint      NOT NULL,
    kafka_partition bigint      NOT NULL,
    kafka_offset    bigint      NOT NULL,
    processed_at    timestamptz NOT NULL DEFAULT now()
);
