-- The pipeline: configurable stages, opportunities with their teams and split
-- credit, and the history of every stage change.

CREATE TABLE pipeline_stages (
    key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,49}$'),
    -- A number for the audit trail, whose entries name records by number.
    id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    version integer NOT NULL DEFAULT 1,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    position integer NOT NULL,
    probability numeric(5, 2) NOT NULL CHECK (probability BETWEEN 0 AND 100),
    forecast_category text NOT NULL
        CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
    is_won boolean NOT NULL DEFAULT false,
    is_lost boolean NOT NULL DEFAULT false,
    -- How long deals usually sit here; the board marks cards that stay longer.
    usual_days integer NOT NULL DEFAULT 30 CHECK (usual_days > 0),
    CHECK (NOT (is_won AND is_lost))
);
CREATE UNIQUE INDEX pipeline_stages_name_key ON pipeline_stages (lower(name));

INSERT INTO pipeline_stages (key, name, position, probability, forecast_category, is_won, is_lost, usual_days) VALUES
    ('prospecting', 'Prospecting', 10, 10, 'pipeline', false, false, 21),
    ('qualification', 'Qualification', 20, 20, 'pipeline', false, false, 21),
    ('needs_analysis', 'Needs analysis', 30, 40, 'pipeline', false, false, 30),
    ('proposal', 'Proposal', 40, 60, 'best_case', false, false, 30),
    ('negotiation', 'Negotiation', 50, 80, 'commit', false, false, 21),
    ('closed_won', 'Closed won', 60, 100, 'closed', true, false, 30),
    ('closed_lost', 'Closed lost', 70, 0, 'omitted', false, true, 30);

CREATE TABLE opportunities (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    account_id bigint NOT NULL REFERENCES accounts (id),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    kind text NOT NULL DEFAULT 'new_business' CHECK (kind IN ('new_business', 'expansion', 'renewal')),
    stage_key text NOT NULL REFERENCES pipeline_stages (key) ON UPDATE CASCADE,
    amount numeric(14, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    close_date date NOT NULL,
    owner_id bigint NOT NULL REFERENCES users (id),
    -- Overrides of the stage's defaults; NULL means "follow the stage".
    probability_override numeric(5, 2) CHECK (probability_override BETWEEN 0 AND 100),
    forecast_category_override text
        CHECK (forecast_category_override IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
    next_step text CHECK (length(next_step) <= 500),
    source text CHECK (length(source) <= 100),
    -- The date of record of a win or loss (never in the future), and why it was lost.
    closed_on date,
    lost_reason text CHECK (length(lost_reason) <= 500),
    stage_entered_at timestamptz NOT NULL DEFAULT now(),
    external_id text UNIQUE CHECK (length(external_id) <= 255),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opportunities_account_idx ON opportunities (account_id);
CREATE INDEX opportunities_owner_idx ON opportunities (owner_id, close_date);
CREATE INDEX opportunities_stage_idx ON opportunities (stage_key, close_date);
CREATE INDEX opportunities_close_idx ON opportunities (close_date, id);
CREATE INDEX opportunities_closed_on_idx ON opportunities (closed_on) WHERE closed_on IS NOT NULL;
CREATE INDEX opportunities_name_trgm_idx ON opportunities USING gin (name gin_trgm_ops);

CREATE TABLE opportunity_team (
    opportunity_id bigint NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id),
    role text NOT NULL CHECK (role IN ('owner', 'sales_partner', 'project_manager', 'other')),
    split_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (split_percent BETWEEN 0 AND 100),
    PRIMARY KEY (opportunity_id, user_id)
);
CREATE INDEX opportunity_team_user_idx ON opportunity_team (user_id, opportunity_id);

CREATE TABLE opportunity_stage_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    opportunity_id bigint NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    from_stage text,
    to_stage text NOT NULL,
    changed_by bigint REFERENCES users (id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    amount numeric(14, 2) NOT NULL,
    close_date date NOT NULL,
    probability numeric(5, 2) NOT NULL,
    forecast_category text NOT NULL
);
CREATE INDEX opportunity_stage_history_opportunity_idx ON opportunity_stage_history (opportunity_id, changed_at, id);

CREATE TABLE activities (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    kind text NOT NULL CHECK (kind IN ('call', 'meeting', 'email', 'note', 'task')),
    subject text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    body text CHECK (length(body) <= 20000),
    account_id bigint NOT NULL REFERENCES accounts (id),
    contact_id bigint REFERENCES contacts (id),
    opportunity_id bigint REFERENCES opportunities (id),
    -- Projects arrive with the handoff; the reference is enforced from then on.
    project_id bigint,
    owner_id bigint NOT NULL REFERENCES users (id),
    due_at timestamptz,
    done_at timestamptz,
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_account_idx ON activities (account_id, created_at DESC, id DESC);
CREATE INDEX activities_open_tasks_idx ON activities (owner_id, due_at) WHERE done_at IS NULL AND archived_at IS NULL;
CREATE INDEX activities_opportunity_idx ON activities (opportunity_id) WHERE opportunity_id IS NOT NULL;
CREATE INDEX activities_contact_idx ON activities (contact_id) WHERE contact_id IS NOT NULL;

-- Who may see an account: its owner and everyone above them, anyone on one of its
-- opportunities' teams and everyone above them. (Admins see all; the app decides
-- that before it asks.) Every pipeline read filters through this.
CREATE FUNCTION visible_account_ids(viewer bigint) RETURNS TABLE (account_id bigint)
LANGUAGE sql STABLE AS $$
    WITH line AS (SELECT user_id FROM reporting_line(viewer))
    SELECT a.id FROM accounts a WHERE a.owner_id IN (SELECT user_id FROM line)
    UNION
    SELECT o.account_id FROM opportunity_team t JOIN opportunities o ON o.id = t.opportunity_id
    WHERE t.user_id IN (SELECT user_id FROM line)
$$;
