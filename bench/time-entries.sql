-- Time entries for the benchmark (issue 22): 5,000,000 entries against the projects'
-- assignments, with cost rates for everyone and a standard cost per skill, so that
-- the profitability report reads a year of actuals at the issue's scale. Run after
-- bench/generate.sql on the same database (bench/run.sh does); deterministic: the
-- same data every time.
--
-- Each assignment in turn receives one entry on successive weekdays from its start
-- (wrapping within its span), 4 to 8 hours; nine in ten are approved, the rest
-- submitted, so "waiting" hours exist too. One in twenty entries is internal time.

\set ON_ERROR_STOP on
\if :{?time_entries}
\else
\set time_entries 5000000
\endif

-- Cost rates: one per person from 2020, 40 to 99 per hour by id.
INSERT INTO cost_rates (user_id, effective_from, hourly)
SELECT id, DATE '2020-01-01', 40 + id % 60 FROM users
ON CONFLICT (user_id, effective_from) DO NOTHING;

-- A bill rate with a standard cost for every skill.
INSERT INTO bill_rates (skill_id, effective_from, hourly, standard_cost)
SELECT s.id, DATE '2020-01-01', 150, 60 FROM skills s
WHERE NOT EXISTS (SELECT 1 FROM bill_rates b WHERE b.skill_id = s.id AND b.level IS NULL AND b.typical_project_id IS NULL);

CREATE TEMP TABLE bench_time_assignments AS
SELECT row_number() OVER (ORDER BY a.id) - 1 AS n, a.id, a.user_id, a.project_id, a.phase_id, a.skill_id, a.start_date,
       greatest(a.end_date - a.start_date + 1, 1) AS span
FROM assignments a WHERE a.end_date >= a.start_date;

ALTER TABLE time_entries DISABLE TRIGGER USER;

INSERT INTO time_entries (user_id, day, hours, assignment_id, project_id, phase_id, skill_id, internal_kind, note, status,
                          decided_at, created_at, updated_at)
SELECT a.user_id, e.day, 4 + (g % 5), CASE WHEN internal THEN NULL ELSE a.id END,
       CASE WHEN internal THEN NULL ELSE a.project_id END, CASE WHEN internal THEN NULL ELSE a.phase_id END,
       CASE WHEN internal THEN NULL ELSE a.skill_id END,
       CASE WHEN internal THEN (ARRAY['training', 'pre_sales', 'admin'])[1 + g % 3] END,
       'bench', CASE WHEN g % 10 = 0 THEN 'submitted' ELSE 'approved' END,
       CASE WHEN g % 10 = 0 THEN NULL ELSE e.day::timestamptz + interval '7 days' END, e.day::timestamptz, e.day::timestamptz
FROM generate_series(0, :time_entries - 1) g
CROSS JOIN LATERAL (SELECT count(*) AS c FROM bench_time_assignments) k
JOIN bench_time_assignments a ON a.n = g % k.c
CROSS JOIN LATERAL (SELECT g % 20 = 19 AS internal,
                           -- the (g / c)-th weekday from the start, wrapped within the span
                           a.start_date + (((g / k.c) * 7 / 5) % a.span)::int AS day) e;

ALTER TABLE time_entries ENABLE TRIGGER USER;
-- The triggers were off for the load: the monthly and daily totals (sql/0040, 0045) and the
-- submitted entries waiting for a decision (sql/0050) are summed once.
SELECT rebuild_time_month_totals();
SELECT rebuild_time_day_totals();
SELECT rebuild_time_waiting_totals();
ANALYZE time_month_totals;
ANALYZE time_day_totals;
ANALYZE time_waiting_totals;
ANALYZE time_entries;
ANALYZE cost_rates;
ANALYZE bill_rates;
