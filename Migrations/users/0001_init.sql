-- user-service schema: profiles, the transactional outbox, idempotency keys.

CREATE TABLE users (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL,
    email       text        NOT NULL,
    bio         text        NOT NULL DEFAULT '',
    version     bigint      NOT NULL CHECK (version >= 1),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Email addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- One row per state-changing write, inserted in the write's own transaction.
-- The relay publishes unpublished rows in id order and then sets published_at.
CREATE TABLE outbox (
    id            bigserial   PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    aggregate_id  uuid        NOT NULL,
    event_type    text        NOT NULL,
    payload       text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at  timestamptz
);

CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Wakes the relay as soon as a write commits (NOTIFY is delivered at commit).
CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('outbox_events', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER outbox_notify_after_insert
    AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- The first successful response to each Idempotency-Key, stored in the same
-- transaction as the write it answered; kept 24 hours.
CREATE TABLE idempotency_keys (
    key           text        PRIMARY KEY,
    fingerprint   text        NOT NULL,
    status_code   integer     NOT NULL,
    etag          text,
    location      text,
    body          text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
