-- Project-manager bonus: plans, runs with a statement per person, and
-- adjustments. An approved run is locked: the database itself refuses to change
-- it or its statements, whatever the code does.

CREATE TABLE bonus_plans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    method text NOT NULL CHECK (method IN ('marginal', 'retroactive')),
    period_type text NOT NULL CHECK (period_type IN ('year', 'quarter', 'month')),
    target_bonus numeric(14, 2) NOT NULL CHECK (target_bonus >= 0),
    threshold numeric(8, 4) NOT NULL CHECK (threshold >= 0),
    tiers jsonb NOT NULL,
    cap numeric(8, 4) CHECK (cap >= 0),
    late_credit_percent numeric(5, 2) NOT NULL CHECK (late_credit_percent BETWEEN 0 AND 100),
    active_from date,
    active_to date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bonus_plan_overrides (
    plan_id bigint NOT NULL REFERENCES bonus_plans (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id),
    target_bonus numeric(14, 2) NOT NULL CHECK (target_bonus >= 0),
    PRIMARY KEY (plan_id, user_id)
);

CREATE TABLE bonus_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    plan_id bigint NOT NULL REFERENCES bonus_plans (id),
    period_key text NOT NULL REFERENCES periods (key),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved')),
    -- The plan's rules as they were computed, so a locked run explains itself forever.
    rules jsonb NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    approved_at timestamptz,
    approved_by bigint REFERENCES users (id),
    UNIQUE (plan_id, period_key)
);

CREATE TABLE bonus_statements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES bonus_runs (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id),
    target_bonus numeric(14, 2) NOT NULL,
    quota numeric(14, 2),
    credited numeric(14, 2) NOT NULL,
    payout numeric(14, 2) NOT NULL,
    -- Every line, tier and adjustment, as the statement shows them.
    body jsonb NOT NULL,
    UNIQUE (run_id, user_id)
);

-- Corrections carried by a later run: by hand (a reason and an author), or a
-- clawback of a phase reopened after its period was locked.
CREATE TABLE bonus_adjustments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id bigint NOT NULL REFERENCES bonus_plans (id),
    user_id bigint NOT NULL REFERENCES users (id),
    amount numeric(14, 2) NOT NULL,
    reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    author_id bigint REFERENCES users (id),
    phase_id bigint REFERENCES project_phases (id),
    clawback_of_run_id bigint REFERENCES bonus_runs (id),
    -- The run that carried it; NULL until a run is approved with it.
    run_id bigint REFERENCES bonus_runs (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bonus_adjustments_open_idx ON bonus_adjustments (plan_id, user_id) WHERE run_id IS NULL;
CREATE UNIQUE INDEX bonus_adjustments_one_clawback ON bonus_adjustments (clawback_of_run_id, phase_id)
    WHERE clawback_of_run_id IS NOT NULL;

CREATE FUNCTION bonus_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    locked boolean;
BEGIN
    IF TG_TABLE_NAME = 'bonus_runs' THEN
        locked := OLD.status = 'approved';
    ELSE
        SELECT status = 'approved' INTO locked FROM bonus_runs WHERE id = OLD.run_id;
    END IF;
    IF locked THEN
        RAISE EXCEPTION 'bonus run % is approved and locked', CASE WHEN TG_TABLE_NAME = 'bonus_runs' THEN OLD.id ELSE OLD.run_id END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bonus_run_locked';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER bonus_runs_locked BEFORE UPDATE OR DELETE ON bonus_runs
    FOR EACH ROW EXECUTE FUNCTION bonus_refuse_locked();
CREATE TRIGGER bonus_statements_locked BEFORE UPDATE OR DELETE ON bonus_statements
    FOR EACH ROW EXECUTE FUNCTION bonus_refuse_locked();
