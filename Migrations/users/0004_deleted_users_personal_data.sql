-- Once a user's UserDeleted is published, the relay's marking statement
-- (MarkPublishedStatement) removes the name, email and bio that user-service still
-- keeps about that user: from the payloads of its published outbox rows, and from
-- the stored answers of its Idempotency-Keys. Unpublished rows are never changed.

-- A deleted user's published rows, found without scanning the outbox. Rows enter
-- this index when they are marked, so the writes that insert them do not pay for it.
CREATE INDEX outbox_published_aggregate_id_idx ON outbox (aggregate_id) WHERE published_at IS NOT NULL;
COMMENT ON COLUMN outbox.payload IS
    'the CloudEvent as published; a deleted user''s published UserProfileUpdated events keep no name, email or bio';

-- The user whose profile a stored answer (`body`) carries: 200 and 201 answers.
-- Cleared when that answer is replaced because the user was deleted.
ALTER TABLE idempotency_keys ADD COLUMN user_id uuid;
UPDATE idempotency_keys SET user_id = (body::jsonb ->> 'id')::uuid WHERE status_code IN (200, 201) AND body <> '';
CREATE INDEX idempotency_keys_user_id_idx ON idempotency_keys (user_id) WHERE user_id IS NOT NULL;

-- Users deleted before this migration: the same purge, once.
UPDATE outbox SET payload = (payload::jsonb #- '{data,name}' #- '{data,email}' #- '{data,bio}')::text
WHERE published_at IS NOT NULL AND event_type = 'UserProfileUpdated'
  AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = outbox.aggregate_id);
UPDATE idempotency_keys
SET status_code = 410, fingerprint = '', etag = NULL, location = NULL, user_id = NULL,
    body = '{"detail":"the request first sent with this Idempotency-Key was carried out, but the user it wrote has since been deleted, and its answer (that user''s profile) is no longer kept","status":410,"title":"Gone","type":"about:blank"}'
WHERE user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = idempotency_keys.user_id);
