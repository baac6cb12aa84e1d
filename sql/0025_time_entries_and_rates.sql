-- Time entries, rates and budgets (issue 22): what the work actually took.
-- People record hours per day against an assignment (its project, phase and skill
-- need) or against internal work; a week is submitted whole, the project's manager
-- approves project time and the person's manager internal time; approved entries
-- are locked (a correction is a new entry). Cost rates per person (effective-dated)
-- and bill rates per skill (and level, or typical project) are seen by managers and
-- admins only: the API refuses others and row-level security hides the rows.

CREATE TABLE time_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    user_id bigint NOT NULL REFERENCES users (id),
    day date NOT NULL CHECK (day BETWEEN '1900-01-01' AND '9000-12-31'),
    hours numeric(5, 2) NOT NULL CHECK (hours <> 0 AND hours BETWEEN -24 AND 24),
    -- Project time: the assignment, and the project, phase and skill it stood for
    -- when the entry was made (kept, so the entry survives the assignment's changes).
    assignment_id bigint REFERENCES assignments (id) ON DELETE SET NULL,
    project_id bigint REFERENCES projects (id),
    phase_id bigint REFERENCES project_phases (id) ON DELETE SET NULL,
    skill_id bigint REFERENCES skills (id),
    -- Internal time: what kind.
    internal_kind text CHECK (internal_kind IN ('training', 'pre_sales', 'admin')),
    note text CHECK (length(note) <= 1000),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    -- A correction of an approved entry points at it.
    corrects_id bigint REFERENCES time_entries (id),
    decided_by bigint REFERENCES users (id),
    decided_at timestamptz,
    return_comment text CHECK (length(return_comment) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((project_id IS NULL) <> (internal_kind IS NULL)),
    CHECK (hours > 0 OR corrects_id IS NOT NULL)
);
CREATE INDEX time_entries_user_day_idx ON time_entries (user_id, day);
CREATE INDEX time_entries_project_idx ON time_entries (project_id, phase_id) WHERE project_id IS NOT NULL;
CREATE INDEX time_entries_waiting_idx ON time_entries (status) WHERE status = 'submitted';

CREATE TABLE cost_rates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    effective_from date NOT NULL CHECK (effective_from BETWEEN '1900-01-01' AND '9000-12-31'),
    hourly numeric(12, 2) NOT NULL CHECK (hourly >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, effective_from)
);

-- A bill rate for a skill, at one level or any (level NULL), or for a typical
-- project's line of that skill. `standard_cost` is the hourly cost a budget is
-- planned at (a phase's budget cost = its hours × the standard cost of their skill).
CREATE TABLE bill_rates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    skill_id bigint NOT NULL REFERENCES skills (id),
    level smallint CHECK (level BETWEEN 1 AND 5),
    typical_project_id bigint REFERENCES typical_projects (id) ON DELETE CASCADE,
    effective_from date NOT NULL CHECK (effective_from BETWEEN '1900-01-01' AND '9000-12-31'),
    hourly numeric(12, 2) NOT NULL CHECK (hourly >= 0),
    standard_cost numeric(12, 2) CHECK (standard_cost >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (level IS NULL OR typical_project_id IS NULL)
);
CREATE UNIQUE INDEX bill_rates_key ON bill_rates (skill_id, coalesce(level, 0), coalesce(typical_project_id, 0), effective_from);

-- The project manager's estimate of the hours still to do on a phase.
ALTER TABLE project_phases ADD COLUMN estimate_to_complete numeric(10, 2) CHECK (estimate_to_complete >= 0);
-- What a pass-through item actually cost (its amount is its price to the client).
ALTER TABLE project_budget_items ADD COLUMN cost numeric(14, 2) CHECK (cost >= 0);

GRANT SELECT, INSERT, UPDATE, DELETE ON time_entries, cost_rates, bill_rates TO baton_member;

-- Re-stated in sql/functions/time.sql (the current definitions); created here
-- because the policies below call them.
CREATE FUNCTION rate_reader(viewer bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = viewer AND u.active AND u.roles && ARRAY['manager', 'admin'])
$$;
CREATE FUNCTION managed_project_ids(viewer bigint) RETURNS TABLE (project_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT p.id FROM projects p WHERE p.project_manager_id = viewer
$$;

ALTER TABLE cost_rates ENABLE ROW LEVEL SECURITY;
CREATE POLICY cost_rates_scope ON cost_rates TO baton_member
    USING (rate_reader(acting_user())) WITH CHECK (rate_reader(acting_user()));
ALTER TABLE bill_rates ENABLE ROW LEVEL SECURITY;
CREATE POLICY bill_rates_scope ON bill_rates TO baton_member
    USING (rate_reader(acting_user())) WITH CHECK (rate_reader(acting_user()));

-- An entry is seen by its person, the managers above them, and the manager of its project.
ALTER TABLE time_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY time_entries_scope ON time_entries TO baton_member
    USING (user_id IN (SELECT user_id FROM reporting_line(acting_user()))
           OR project_id IN (SELECT project_id FROM managed_project_ids(acting_user())))
    WITH CHECK (true);
