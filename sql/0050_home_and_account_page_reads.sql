-- Two reads of home and the account page at a million deals (issue 19, item 11).
--
-- Submitted time entries counted per person and project.
--
-- Home tells an admin or a manager how many submitted entries wait for their decision.
-- At the benchmark's 5,000,000 entries, 500,000 are submitted: counting them was an
-- index-only scan of the whole partial index on every admin home (30-130 ms, the page's
-- largest statement), and a manager's count read each one from the heap to test its
-- project and person. These counts are kept by statement-level triggers in the same
-- transaction as every entry write (sql/functions/time_waiting.sql), so home sums a few
-- hundred rows instead; rows whose count went back to 0 stay, as the month totals do.
CREATE TABLE time_waiting_totals (
    user_id bigint NOT NULL,
    -- 0: internal time (no project), as in time_month_totals.
    project_id bigint NOT NULL,
    entries bigint NOT NULL,
    PRIMARY KEY (user_id, project_id)
);

-- The same rows of time a member reads in time_entries (sql/0025).
ALTER TABLE time_waiting_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY time_waiting_totals_scope ON time_waiting_totals TO baton_member
    USING (user_id IN (SELECT user_id FROM reporting_line(acting_user()))
           OR (project_id <> 0 AND project_id IN (SELECT project_id FROM managed_project_ids(acting_user()))));
GRANT SELECT ON time_waiting_totals TO baton_member;

-- The entries submitted before this migration.
INSERT INTO time_waiting_totals (user_id, project_id, entries)
SELECT user_id, coalesce(project_id, 0), count(*) FROM time_entries WHERE status = 'submitted' GROUP BY 1, 2;

ANALYZE time_waiting_totals;

-- White space (the account page) reads the won stage's rows of the named-purchase counts
-- (sql/0043): with no index on the stage it scanned all 50,000 rows of every stage for the
-- 7,500 won ones. By stage first, the won rows are one range of this index, read without
-- the table (the counts are in it); the table is small and its rows change one per deal
-- written, so the second index costs a write little.
CREATE INDEX opportunity_named_projects_stage_idx ON opportunity_named_projects (stage_key, account_id, typical_project_id) INCLUDE (deals);
