-- Projects: what a won order becomes. Created only by the handoff, which copies
-- the templates' phases, checklists and skill needs, so that editing a template
-- never changes a project.

CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    account_id bigint NOT NULL REFERENCES accounts (id),
    -- Exactly one project per won order: accepting twice cannot make two.
    opportunity_id bigint NOT NULL UNIQUE REFERENCES opportunities (id),
    proposal_id bigint NOT NULL UNIQUE REFERENCES proposals (id),
    project_manager_id bigint REFERENCES users (id),
    status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')),
    start_date date NOT NULL,
    contract_value numeric(14, 2) NOT NULL CHECK (contract_value >= 0),
    completed_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_pm_idx ON projects (project_manager_id, status);
CREATE INDEX projects_account_idx ON projects (account_id);

CREATE TABLE project_phases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL,
    typical_project_id bigint REFERENCES typical_projects (id),
    start_date date NOT NULL,
    due_date date NOT NULL CHECK (due_date >= start_date),
    value numeric(14, 2) NOT NULL CHECK (value >= 0),
    completed_on date,
    UNIQUE (project_id, position)
);

CREATE TABLE project_skill_needs (
    phase_id bigint NOT NULL REFERENCES project_phases (id) ON DELETE CASCADE,
    skill_id bigint NOT NULL REFERENCES skills (id),
    hours numeric(10, 2) NOT NULL CHECK (hours > 0),
    PRIMARY KEY (phase_id, skill_id)
);

CREATE TABLE project_checklist_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position integer NOT NULL,
    text text NOT NULL,
    required boolean NOT NULL,
    checked_at timestamptz,
    checked_by bigint REFERENCES users (id)
);

-- A person on a project: what the capacity check and staffing subtract.
CREATE TABLE assignments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id),
    role text NOT NULL CHECK (length(btrim(role)) BETWEEN 1 AND 100),
    start_date date NOT NULL,
    end_date date NOT NULL CHECK (end_date >= start_date),
    hours_per_week numeric(5, 2) NOT NULL CHECK (hours_per_week > 0 AND hours_per_week <= 168),
    location text CHECK (length(location) <= 500),
    status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed')),
    overbooked boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignments_user_idx ON assignments (user_id, start_date, end_date);
CREATE INDEX assignments_project_idx ON assignments (project_id);

ALTER TABLE activities ADD CONSTRAINT activities_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id);

-- Projects widen who sees an account: the project's manager and everyone above them.
CREATE OR REPLACE FUNCTION visible_account_ids(viewer bigint) RETURNS TABLE (account_id bigint)
LANGUAGE sql STABLE AS $$
    WITH line AS (SELECT user_id FROM reporting_line(viewer))
    SELECT a.id FROM accounts a WHERE a.owner_id IN (SELECT user_id FROM line)
    UNION
    SELECT o.account_id FROM opportunity_team t JOIN opportunities o ON o.id = t.opportunity_id
    WHERE t.user_id IN (SELECT user_id FROM line)
    UNION
    SELECT p.account_id FROM projects p WHERE p.project_manager_id IN (SELECT user_id FROM line)
$$;
