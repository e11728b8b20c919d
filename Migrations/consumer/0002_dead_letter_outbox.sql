-- Dead letters are recorded here in the same transaction as the batch they
-- come from, and published to the dead-letter topic from here (an outbox for
-- dead letters). A record re-read after a crash or a rebalance finds its dead
-- letter already recorded (the unique key), so each poison record yields
-- exactly one dead letter.
CREATE TABLE dead_letter_outbox (
    id bigserial PRIMARY KEY,
    original_topic text NOT NULL,
    original_partition integer NOT NULL,
    original_offset bigint NOT NULL,
    -- The dead-letter record as it is published: topic, key, value, headers (JSON, values base64).
    topic text NOT NULL,
    message_key bytea,
    message_value bytea NOT NULL,
    headers jsonb NOT NULL,
    error_class text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- A publisher's claim; the dead-letter topic's end offsets when a claim was
    -- first made, so a later publisher can look there for what a crashed one wrote.
    claimed_until timestamptz,
    claim_watermarks jsonb,
    published_at timestamptz,
    UNIQUE (original_topic, original_partition, original_offset)
);

CREATE INDEX dead_letter_outbox_pending ON dead_letter_outbox (id) WHERE published_at IS NULL;
