-- `deleted` now follows the newest version seen instead of sticking forever: a
-- delete hides the user, and only an event with a newer version (which the
-- source writes only through anti-entropy, after raising the user's version above
-- the delete) or a repair at the same version can bring it back. A late, older
-- update still cannot: its version is below the delete's.
COMMENT ON COLUMN user_activity.deleted IS 'the deletion state of the newest version seen (last_version)';
