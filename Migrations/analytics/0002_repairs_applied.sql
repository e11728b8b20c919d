-- Repair events (anti-entropy, snapshots) are counted apart: they are never profile updates.
INSERT INTO analytics_counters (name) VALUES ('repairs_applied');
