-- A tombstone for every deleted user, kept for TOMBSTONE_RETENTION: anti-entropy
-- can then re-send a delete with its real version to a projection that still
-- shows the user.
CREATE TABLE user_tombstones (
    id          uuid        PRIMARY KEY,
    version     bigint      NOT NULL,
    deleted_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX user_tombstones_deleted_at_idx ON user_tombstones (deleted_at);
