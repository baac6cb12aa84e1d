-- Time entries and rates (migration 0025): who may read rates, and which projects
-- a person manages (their project time is theirs to approve).

-- Managers and admins read rates; row-level security asks this.
CREATE OR REPLACE FUNCTION public.rate_reader(viewer bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = viewer AND u.active AND u.roles && ARRAY['manager', 'admin'])
$$;

-- The projects `viewer` manages, read as the owner (no recursion into projects' policy).
CREATE OR REPLACE FUNCTION public.managed_project_ids(viewer bigint) RETURNS TABLE (project_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT p.id FROM projects p WHERE p.project_manager_id = viewer
$$;

-- A person's cost rate on a day: the latest effective on or before it.
CREATE OR REPLACE FUNCTION public.cost_rate_on(person bigint, on_day date) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.hourly FROM cost_rates c WHERE c.user_id = person AND c.effective_from <= on_day
    ORDER BY c.effective_from DESC LIMIT 1
$$;

-- The standard hourly cost a skill's budget hours are planned at on a day: the
-- typical project's own rate for the skill first, else the skill's (any level).
CREATE OR REPLACE FUNCTION public.standard_cost_on(skill bigint, typical bigint, on_day date) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT r.standard_cost FROM bill_rates r
    WHERE r.skill_id = skill AND r.level IS NULL AND r.standard_cost IS NOT NULL AND r.effective_from <= on_day
      AND (r.typical_project_id IS NULL OR r.typical_project_id = typical)
    ORDER BY (r.typical_project_id IS NULL), r.effective_from DESC LIMIT 1
$$;

-- Budget and actuals of each phase of a project: budget hours and cost (at standard
-- cost), approved hours and their cost (each entry at its person's rate on its day),
-- approved hours with no cost rate, and hours still waiting (draft, submitted,
-- returned). Rows with phase NULL hold the project's time booked outside its phases.
-- Runs as the owner, so a project manager sees their project's cost without seeing
-- any rate; the application decides who is shown cost (TimeBudgetStore).
CREATE OR REPLACE FUNCTION public.project_time_actuals(project bigint)
RETURNS TABLE (phase_id bigint, budget_hours numeric, budget_cost numeric, unpriced_budget_hours numeric,
               actual_hours numeric, actual_cost numeric, unrated_hours numeric, waiting_hours numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH budget AS (
        SELECT n.phase_id, sum(n.hours) AS hours,
               sum(n.hours * standard_cost_on(n.skill_id, ph.typical_project_id, ph.start_date)) AS cost,
               coalesce(sum(n.hours) FILTER (WHERE standard_cost_on(n.skill_id, ph.typical_project_id, ph.start_date) IS NULL), 0) AS unpriced
        FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id
        WHERE ph.project_id = project GROUP BY n.phase_id
    ), actual AS (
        SELECT e.phase_id,
               coalesce(sum(e.hours) FILTER (WHERE e.status = 'approved'), 0) AS hours,
               coalesce(sum(e.hours * cost_rate_on(e.user_id, e.day)) FILTER (WHERE e.status = 'approved'), 0) AS cost,
               coalesce(sum(e.hours) FILTER (WHERE e.status = 'approved' AND cost_rate_on(e.user_id, e.day) IS NULL), 0) AS unrated,
               coalesce(sum(e.hours) FILTER (WHERE e.status <> 'approved'), 0) AS waiting
        FROM time_entries e WHERE e.project_id = project GROUP BY e.phase_id
    )
    SELECT k.phase_id, coalesce(b.hours, 0), coalesce(b.cost, 0), coalesce(b.unpriced, 0),
           coalesce(a.hours, 0), coalesce(a.cost, 0), coalesce(a.unrated, 0), coalesce(a.waiting, 0)
    FROM (SELECT phase_id FROM budget UNION SELECT phase_id FROM actual) k
    LEFT JOIN budget b ON b.phase_id = k.phase_id
    LEFT JOIN actual a ON a.phase_id IS NOT DISTINCT FROM k.phase_id
$$;

-- Approved time per month, project, phase and person (sql/0040), kept in the same
-- transaction as every entry write and rate change. `source` is a query of entries with
-- a `sign` column: +1 for rows to add, -1 for rows to take away.
CREATE OR REPLACE FUNCTION public.time_totals_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        INSERT INTO time_month_totals AS t (month, project_id, phase_id, user_id, hours, cost, unrated_hours)
        SELECT date_trunc('month', d.day)::date, coalesce(d.project_id, 0), coalesce(d.phase_id, 0), d.user_id,
               sum(d.sign * d.hours), sum(d.sign * d.hours * coalesce(r.hourly, 0)),
               coalesce(sum(d.sign * d.hours) FILTER (WHERE r.hourly IS NULL), 0)
        FROM (%s) d
        LEFT JOIN LATERAL (SELECT c.hourly FROM cost_rates c WHERE c.user_id = d.user_id AND c.effective_from <= d.day
                           ORDER BY c.effective_from DESC LIMIT 1) r ON true
        WHERE d.status = 'approved'
        GROUP BY 1, 2, 3, 4
        -- An update that changed nothing the totals count (a note) adds nothing and locks no row.
        HAVING sum(d.sign * d.hours) <> 0 OR sum(d.sign * d.hours * coalesce(r.hourly, 0)) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, project_id, phase_id, user_id) DO UPDATE SET
            hours = t.hours + excluded.hours,
            cost = t.cost + excluded.cost,
            unrated_hours = t.unrated_hours + excluded.unrated_hours
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.time_entries_keep_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    EXECUTE time_totals_upsert(CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT e.*, 1 AS sign FROM new_rows e'
        WHEN 'DELETE' THEN 'SELECT e.*, -1 AS sign FROM old_rows e'
        ELSE 'SELECT e.*, 1 AS sign FROM new_rows e UNION ALL SELECT e.*, -1 AS sign FROM old_rows e' END);
    RETURN NULL;
END
$$;

-- A rate added, changed or removed: the person's months from its effective month on are
-- summed again from their entries at the rates that now apply.
CREATE OR REPLACE FUNCTION public.cost_rates_keep_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    changed text := format(
        'SELECT user_id, date_trunc(''month'', min(effective_from))::date AS since FROM (%s) r GROUP BY 1',
        CASE TG_OP
            WHEN 'INSERT' THEN 'SELECT user_id, effective_from FROM new_rows'
            WHEN 'DELETE' THEN 'SELECT user_id, effective_from FROM old_rows'
            ELSE 'SELECT user_id, effective_from FROM new_rows UNION ALL SELECT user_id, effective_from FROM old_rows' END);
BEGIN
    EXECUTE format('DELETE FROM time_month_totals t USING (%s) c WHERE t.user_id = c.user_id AND t.month >= c.since', changed);
    EXECUTE time_totals_upsert(format(
        'SELECT e.*, 1 AS sign FROM time_entries e JOIN (%s) c ON c.user_id = e.user_id AND e.day >= c.since', changed));
    RETURN NULL;
END
$$;

-- All of it again from the entries: after a bulk load with the triggers off (the benchmark's).
CREATE OR REPLACE FUNCTION public.rebuild_time_month_totals() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    DELETE FROM time_month_totals;
    EXECUTE time_totals_upsert('SELECT e.*, 1 AS sign FROM time_entries e');
END
$$;

CREATE OR REPLACE TRIGGER time_entries_totals_insert AFTER INSERT ON public.time_entries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_totals();

CREATE OR REPLACE TRIGGER time_entries_totals_update AFTER UPDATE ON public.time_entries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_totals();

CREATE OR REPLACE TRIGGER time_entries_totals_delete AFTER DELETE ON public.time_entries REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_totals();

CREATE OR REPLACE TRIGGER cost_rates_totals_insert AFTER INSERT ON public.cost_rates REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.cost_rates_keep_totals();

CREATE OR REPLACE TRIGGER cost_rates_totals_update AFTER UPDATE ON public.cost_rates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.cost_rates_keep_totals();

CREATE OR REPLACE TRIGGER cost_rates_totals_delete AFTER DELETE ON public.cost_rates REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.cost_rates_keep_totals();
