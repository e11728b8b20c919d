-- The watermark of the latest heartbeat applied per partition, written in the
-- transaction of the batch that applied it: how fresh this database's
-- projection is, readable by every instance of the service (search answers
-- X-Index-Staleness-Ms from it).
CREATE TABLE consumer_watermarks (
    kafka_partition integer     PRIMARY KEY,
    watermark       timestamptz NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now()
);
