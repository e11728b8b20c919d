-- A dead letter's value (the poison record's value, which may hold a profile) is needed
-- here only until the dead-letter topic has it: DeadLetterOutbox empties it when it marks
-- the letter published. The row keeps the original record's coordinates (the unique key
-- that stops a second letter for a record read again), its key, headers and class; the
-- topic keeps the whole record until its retention. Letters published before this
-- migration are emptied here.
UPDATE dead_letter_outbox SET message_value = ''::bytea WHERE published_at IS NOT NULL;
COMMENT ON COLUMN dead_letter_outbox.message_value IS
    'the poison record''s value while the letter waits to be published; empty once the dead-letter topic has it';
