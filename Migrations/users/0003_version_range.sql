-- A user's version stays in 1…2^53−1, the integers every JSON reader holds exactly
-- (the event contract's range). The application checks every increment; these
-- constraints are the last line: an out-of-range version is never written.
ALTER TABLE users ADD CONSTRAINT users_version_range CHECK (version BETWEEN 1 AND 9007199254740991);
ALTER TABLE user_tombstones ADD CONSTRAINT user_tombstones_version_range CHECK (version BETWEEN 1 AND 9007199254740991);
