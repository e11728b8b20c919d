-- Tombstones (deleted documents) are purged after TOMBSTONE_RETENTION; this finds them by age.
CREATE INDEX user_documents_tombstones_idx ON user_documents (indexed_at) WHERE deleted;
