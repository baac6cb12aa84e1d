-- Whether a deal is open, on the deal itself, and the deals list's indexes over open
-- deals (issue 19, item 11: every list page under 100 ms at a million deals).
--
-- "Open" is the stage's kind (neither won nor lost), kept in pipeline_stages, so no
-- index could select open deals: the deals list as it opens (open deals, soonest
-- closing first) walked opportunities_close_idx past the 483,000 closed deals that
-- close earlier before it found 50 open ones (1.2-1.9 s for the admin). `closed_on`
-- cannot stand in for it: nothing holds it empty on an open deal.
--
-- The flag cannot go wrong: (stage_key, is_open) is the deal's foreign key to
-- (key, is_open) of its stage, which replaces the key alone. A deal whose flag
-- disagrees with its stage is refused, and a stage whose kind changes (an admin may,
-- while no deal uses it) carries its deals with it (ON UPDATE CASCADE, as a renamed key
-- already did). A deal written without the flag takes it from its stage
-- (sql/functions/open_deals.sql): no code that writes deals needs to know of it.

ALTER TABLE pipeline_stages ADD COLUMN is_open boolean GENERATED ALWAYS AS (NOT (is_won OR is_lost)) STORED;
ALTER TABLE pipeline_stages ADD CONSTRAINT pipeline_stages_key_open_key UNIQUE (key, is_open);

-- The existing deals' flags in one rewrite of the table (27 s at a million deals with
-- its indexes, under load; an UPDATE of the 500,000 closed ones took 117 s and left as
-- many dead rows). ALTER ... TYPE ... USING takes no subquery, so the closed stages'
-- keys are written into the statement. A rewritten table has no visibility map until
-- it is vacuumed, and index-only scans read the table meanwhile: run
-- `VACUUM (ANALYZE) opportunities` after this migration on a database that has deals.
ALTER TABLE opportunities ADD COLUMN is_open boolean;
DO $$
BEGIN
    EXECUTE format('ALTER TABLE opportunities ALTER COLUMN is_open TYPE boolean USING (stage_key <> ALL (%L::text[]))',
                   (SELECT coalesce(array_agg(key), '{}') FROM pipeline_stages WHERE NOT is_open));
END
$$;
ALTER TABLE opportunities ALTER COLUMN is_open SET NOT NULL;
ALTER TABLE opportunities DROP CONSTRAINT opportunities_stage_key_fkey,
    ADD CONSTRAINT opportunities_stage_open_fkey FOREIGN KEY (stage_key, is_open)
        REFERENCES pipeline_stages (key, is_open) ON UPDATE CASCADE;

-- The admin's open deals in close-date order (the list as it opens, a close period, an
-- owner), with what the list filters, counts and sums beside them: the first page reads
-- 50 index entries (1.2 s -> 1 ms), a quarter's count and total the quarter's entries.
CREATE INDEX opportunities_open_close_idx ON opportunities (close_date, id)
    INCLUDE (account_id, owner_id, stage_key, amount) WHERE is_open AND archived_at IS NULL;

-- Everything a non-admin's list reads of a deal, account by account: the deals of the
-- accounts they see, in close-date order, open or not, with their owner (the owner
-- filter's choices), stage, amount and archiving. An account manager's 16,600 deals
-- come from the index alone (their first page and count: 105 + 69 ms -> about 5 each;
-- the owner choices 45 ms -> about 5).
CREATE INDEX opportunities_account_close_id_idx ON opportunities (account_id, close_date, id)
    INCLUDE (owner_id, stage_key, amount, is_open, archived_at);
