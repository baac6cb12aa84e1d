-- Indexes for the reports at a million deals (issues 19 and 21: every report under
-- 100 ms at p95).

-- A non-admin's pipeline report counts the open deals of the accounts they see that
-- close in the period. Each account's deals of the period, with what the report sums
-- beside them, come from this index alone: a manager's quarter (1,600 accounts, 15,000
-- deals) 322 -> 15 ms; from the close date PostgreSQL read all 97,000 deals of the
-- firm's quarter from the table to keep theirs.
CREATE INDEX opportunities_account_close_idx ON opportunities (account_id, close_date)
    INCLUDE (stage_key, amount, probability_override, archived_at, stage_entered_at);

-- Approved time summed per day, project, phase and person, beside sql/0040's months: a
-- profitability report whose window starts or ends inside a month read that month's
-- days from the entries, each with a cost rate look-up (the page's default window, the
-- last 364 days, at the benchmark's 40,000 entries a day: 20 s for six days of December).
-- Kept by the same kind of statement-level triggers (sql/functions/report_totals.sql),
-- so a report reads whole months from the months and the odd days from these rows.
CREATE TABLE time_day_totals (
    day date NOT NULL,
    -- 0: internal time (no project), or project time with no phase (as in the months).
    project_id bigint NOT NULL,
    phase_id bigint NOT NULL,
    user_id bigint NOT NULL,
    hours numeric NOT NULL,
    -- Σ hours × the person's cost rate on the day (a rate change recomputes the days
    -- from its effective day on).
    cost numeric NOT NULL,
    unrated_hours numeric NOT NULL,
    PRIMARY KEY (day, project_id, phase_id, user_id)
);
CREATE INDEX time_day_totals_user_idx ON time_day_totals (user_id, day);

-- Costs come from rates, which only managers and admins read (as the months).
ALTER TABLE time_day_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY time_day_totals_scope ON time_day_totals TO baton_member USING (rate_reader(acting_user()));
GRANT SELECT ON time_day_totals TO baton_member;

-- The entries recorded before this migration: summed per day first, then one rate look-up
-- per person and day (one rate holds for the whole day, so Σ hours × rate is exact).
INSERT INTO time_day_totals (day, project_id, phase_id, user_id, hours, cost, unrated_hours)
SELECT g.day, g.project_id, g.phase_id, g.user_id, g.hours, g.hours * coalesce(r.hourly, 0),
       CASE WHEN r.hourly IS NULL THEN g.hours ELSE 0 END
FROM (SELECT e.day, coalesce(e.project_id, 0) AS project_id, coalesce(e.phase_id, 0) AS phase_id, e.user_id, sum(e.hours) AS hours
      FROM time_entries e WHERE e.status = 'approved' GROUP BY 1, 2, 3, 4) g
LEFT JOIN LATERAL (SELECT c.hourly FROM cost_rates c WHERE c.user_id = g.user_id AND c.effective_from <= g.day
                   ORDER BY c.effective_from DESC LIMIT 1) r ON true;
