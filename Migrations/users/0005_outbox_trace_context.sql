-- The W3C Trace Context of the write that appended a row (its database statement's
-- span), so that the relay's publish span, and through the event each consumer's
-- apply, continue the request's trace. NULL when the write was not traced.
ALTER TABLE outbox ADD COLUMN trace_parent text, ADD COLUMN trace_state text;
COMMENT ON COLUMN outbox.trace_parent IS 'W3C traceparent of the write''s span; the relay''s publish span continues it';
COMMENT ON COLUMN outbox.trace_state IS 'W3C tracestate that goes with trace_parent';
