-- Approved time summed per month, project, phase and person (issue 22): the
-- profitability report at 5,000,000 entries read a quarter's entries one by one, with a
-- rate look-up each (51 s at the benchmark's 3.5 million entries in a quarter). The sums
-- are kept by statement-level triggers in the same transaction as every entry write and
-- every rate change (sql/functions/time.sql), so a report over whole months reads these
-- rows, and only the days of a partial month at either end from the entries
-- (BatonCore's WholeMonths).
CREATE TABLE time_month_totals (
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    -- 0: internal time (no project), or project time with no phase.
    project_id bigint NOT NULL,
    phase_id bigint NOT NULL,
    user_id bigint NOT NULL,
    hours numeric NOT NULL,
    -- Σ hours × the person's cost rate on each entry's day (the rate as it stands now:
    -- a rate change recomputes the person's months from its effective month on).
    cost numeric NOT NULL,
    -- The hours of days the person had no cost rate for (cost counts them as 0).
    unrated_hours numeric NOT NULL,
    PRIMARY KEY (month, project_id, phase_id, user_id)
);
CREATE INDEX time_month_totals_project_idx ON time_month_totals (project_id) WHERE project_id <> 0;
CREATE INDEX time_month_totals_user_idx ON time_month_totals (user_id, month);

-- Costs come from rates, which only managers and admins read.
ALTER TABLE time_month_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY time_month_totals_scope ON time_month_totals TO baton_member USING (rate_reader(acting_user()));
GRANT SELECT ON time_month_totals TO baton_member;

-- The partial months at a report's ends read approved entries by day.
CREATE INDEX time_entries_approved_day_idx ON time_entries (day) WHERE status = 'approved';

-- The entries recorded before this migration.
INSERT INTO time_month_totals (month, project_id, phase_id, user_id, hours, cost, unrated_hours)
SELECT date_trunc('month', e.day)::date, coalesce(e.project_id, 0), coalesce(e.phase_id, 0), e.user_id,
       sum(e.hours), sum(e.hours * coalesce(r.hourly, 0)), coalesce(sum(e.hours) FILTER (WHERE r.hourly IS NULL), 0)
FROM time_entries e
LEFT JOIN LATERAL (SELECT c.hourly FROM cost_rates c WHERE c.user_id = e.user_id AND c.effective_from <= e.day
                   ORDER BY c.effective_from DESC LIMIT 1) r ON true
WHERE e.status = 'approved'
GROUP BY 1, 2, 3, 4;
