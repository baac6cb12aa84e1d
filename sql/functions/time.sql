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
