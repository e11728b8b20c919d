-- The retention purges find old rows by time without scanning the tables.
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
CREATE INDEX dead_letter_outbox_published_at_idx ON dead_letter_outbox (published_at) WHERE published_at IS NOT NULL;
