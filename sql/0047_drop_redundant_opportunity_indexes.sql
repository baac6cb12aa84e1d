-- Indexes on opportunities that others already cover. Every index costs each deal's
-- insert and stage move a write, so a duplicate is paid for on the hot path for nothing.
--
-- opportunities_stage_idx (stage_key, close_date), from 0005, is a prefix of 0042's
-- opportunities_stage_close_id_idx (stage_key, close_date, id).
DROP INDEX IF EXISTS opportunities_stage_idx;

-- 0044 (the deals list by account) and 0045 (a non-admin's pipeline report) each added an
-- index on (account_id, close_date) with different columns beside it, and 0005's
-- opportunities_account_idx (account_id) is a prefix of both: one index serves all three,
-- with every column either list reads beside the key.
DROP INDEX IF EXISTS opportunities_account_close_idx;
DROP INDEX IF EXISTS opportunities_account_close_id_idx;
DROP INDEX IF EXISTS opportunities_account_idx;
CREATE INDEX opportunities_account_close_id_idx ON opportunities (account_id, close_date, id)
    INCLUDE (owner_id, stage_key, amount, is_open, archived_at, probability_override, stage_entered_at);
