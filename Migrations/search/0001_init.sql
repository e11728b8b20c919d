-- search-service schema: the full-text index of profiles. The consumer runtime's own tables
-- (dedup, dead-letter outbox) are in Migrations/consumer.

-- The newest known state of each user. A change is applied only if its
-- version is newer; a deleted user stays as a tombstone (deleted, version,
-- no profile) so that a late, older update can never bring it back.
-- The 'simple' configuration (no stemming, no stop words) keeps names and
-- addresses intact; the address is indexed whole and split into its parts.
CREATE TABLE user_documents (
    user_id    uuid        PRIMARY KEY,
    version    bigint      NOT NULL,
    deleted    boolean     NOT NULL DEFAULT false,
    name       text        NOT NULL DEFAULT '',
    email      text        NOT NULL DEFAULT '',
    bio        text        NOT NULL DEFAULT '',
    indexed_at timestamptz NOT NULL DEFAULT now(),
    document   tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A')
        || setweight(to_tsvector('simple', email || ' ' || translate(email, '@.+_-', '     ')), 'B')
        || setweight(to_tsvector('simple', bio), 'C')
    ) STORED
);

CREATE INDEX user_documents_document_idx ON user_documents USING GIN (document) WHERE NOT deleted;
