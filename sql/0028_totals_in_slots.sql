-- Creates that do not queue on one totals row (issue 21, item 7). Every opportunity
-- write adds to its month's, stage's and owner's row of the totals in its own
-- transaction (sql/0013, sql/0015), so two deals created at once by one owner for the
-- same month and stage waited for each other's commit and its fsync: with four
-- connections creating, most of the time went to `Lock:transactionid`.
--
-- Each total is now spread over slots: the writing session's backend process id modulo
-- 16 (sql/functions/report_totals.sql), so each pooled connection adds to its own row
-- and concurrent creates touch different rows. A key's total is the sum of its slots;
-- every report already adds the rows it reads up (sum … GROUP BY), so none changes.
-- (A view adding the slots up per key made the attainment report's query 15 times
-- slower: it aggregated every stage of the quarter before the join that keeps one.)
ALTER TABLE opportunity_credit_totals ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE opportunity_credit_totals DROP CONSTRAINT opportunity_credit_totals_pkey;
ALTER TABLE opportunity_credit_totals ADD PRIMARY KEY (month, user_id, stage_key, kind, category_override, slot);

ALTER TABLE opportunity_stage_totals ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE opportunity_stage_totals DROP CONSTRAINT opportunity_stage_totals_pkey;
ALTER TABLE opportunity_stage_totals ADD PRIMARY KEY (month, stage_key, owner_id, slot);
