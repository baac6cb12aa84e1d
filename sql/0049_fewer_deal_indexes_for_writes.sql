-- Two fewer indexes on the deals, for the cost of every write (issue 21, item 6).
--
-- `\copy` of the import's 200,000 deals into opportunities took 21 s at the sixth stop
-- against about 5 s at the fifth. Timed one index at a time on a million deals (each kept
-- alone, the others dropped, in a transaction rolled back), nearly all of it is index
-- upkeep: with no index but the keys the \copy takes 5.8 s of CPU, and each index adds
-- 0.8-2.5 s, the most for the widest and those whose keys arrive in no order (account,
-- amount, close date); the deals' triggers add about 1.6 s, and the visibility table's
-- triggers on team rows nothing measurable (docs/performance.md, "Where a \copy's time
-- goes"). Two of them are no longer needed by any reader:
--
-- opportunities_account_stage_idx (account_id, stage_key) INCLUDE (name), from 0042, let
-- white space read the won deals' names of an industry. White space reads the counts of
-- named deals kept in opportunity_named_projects (0043) instead, and what else it asks
-- of an account's deals (their id and stage, for proposals and projects) comes from
-- opportunities_account_close_id_idx (0047) alone. 1.9 s of the \copy's CPU.
DROP INDEX IF EXISTS opportunities_account_stage_idx;

-- opportunities_close_idx (close_date, id), from 0005, orders the deals list, and 0042's
-- opportunities_board_totals_idx (close_date) INCLUDE (...) gives the board's totals
-- over a period from the index alone: the same leading key twice. One index with the id
-- in the key and the totals' columns beside it does both (the list walks it in
-- (close date, id) order and stops at a page; the totals read it without the table).
-- 1.5-1.8 s of the \copy's CPU each; building it takes seconds at a million deals.
DROP INDEX IF EXISTS opportunities_board_totals_idx;
DROP INDEX IF EXISTS opportunities_close_idx;
CREATE INDEX opportunities_close_idx ON opportunities (close_date, id)
    INCLUDE (stage_key, amount, probability_override, archived_at, owner_id, account_id);
