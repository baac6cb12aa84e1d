-- Bonus administration a firm can run payroll on (issue 17): who a plan covers,
-- approvals along the reporting line, adjustments that belong to their run, and
-- plans that pay sales people on bookings.

-- What a plan measures: completed work (project managers) or booked value with the
-- opportunity team's split credit (sales people and account managers).
ALTER TABLE bonus_plans ADD COLUMN metric text NOT NULL DEFAULT 'completed_work'
    CHECK (metric IN ('completed_work', 'total_bookings', 'new_business', 'expansion'));

-- A plan's members: one person, or everyone reporting to a manager (at any depth),
-- from a day to a day (inclusive; no end: still a member). A person is in at most one
-- plan of a period type and metric family on any day; the action checks it.
CREATE TABLE bonus_plan_members (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id bigint NOT NULL REFERENCES bonus_plans (id) ON DELETE CASCADE,
    user_id bigint REFERENCES users (id),
    manager_id bigint REFERENCES users (id),
    effective_from date NOT NULL,
    effective_to date,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES users (id),
    CHECK ((user_id IS NULL) <> (manager_id IS NULL)),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
CREATE INDEX bonus_plan_members_plan_idx ON bonus_plan_members (plan_id);
CREATE INDEX bonus_plan_members_user_idx ON bonus_plan_members (user_id) WHERE user_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE, DELETE ON bonus_plan_members TO baton_member;

-- Today's plans keep their people: everyone with a statement in one of the plan's runs,
-- and every active project manager (whom a run covered until now), from the plan's
-- first day (or its first run's period) to its last.
INSERT INTO bonus_plan_members (plan_id, user_id, effective_from, effective_to)
SELECT p.id, u.user_id,
       coalesce(p.active_from,
                (SELECT min(pe.start_date) FROM bonus_runs r JOIN periods pe ON pe.key = r.period_key WHERE r.plan_id = p.id),
                date '2000-01-01'),
       p.active_to
FROM bonus_plans p
CROSS JOIN LATERAL (
    SELECT s.user_id FROM bonus_statements s JOIN bonus_runs r ON r.id = s.run_id WHERE r.plan_id = p.id
    UNION
    SELECT id FROM users WHERE active AND 'project_manager' = ANY(roles)
) u;

-- Each statement is approved on its own, by the person's manager, anyone above, or an
-- admin; the run locks when every statement is approved (or an admin approves it whole).
ALTER TABLE bonus_statements
    ADD COLUMN approved_at timestamptz,
    ADD COLUMN approved_by bigint REFERENCES users (id);
-- Approved before its period ended, because the approver said so.
ALTER TABLE bonus_runs ADD COLUMN closed_early boolean NOT NULL DEFAULT false;

-- An adjustment belongs to the run it was posted to (run_id, set when it is made) and
-- shows only there. Adjustments still open from before move to their plan's earliest
-- draft run; with none they stay unposted (shown nowhere, as before a run existed).
UPDATE bonus_adjustments a SET run_id = (
    SELECT r.id FROM bonus_runs r JOIN periods pe ON pe.key = r.period_key
    WHERE r.plan_id = a.plan_id AND r.status = 'draft' ORDER BY pe.start_date, r.id LIMIT 1)
WHERE a.run_id IS NULL AND a.clawback_of_run_id IS NULL;
CREATE INDEX bonus_adjustments_run_idx ON bonus_adjustments (run_id, user_id);

-- Nothing is added to, changed in or taken from a locked run's adjustments.
CREATE FUNCTION bonus_adjustment_refuse_locked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    run bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.run_id ELSE NEW.run_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM bonus_runs WHERE id = run AND status = 'approved')
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM bonus_runs WHERE id = OLD.run_id AND status = 'approved')) THEN
        RAISE EXCEPTION 'bonus run % is approved and locked', run
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bonus_run_locked';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER bonus_adjustments_locked BEFORE INSERT OR UPDATE OR DELETE ON bonus_adjustments
    FOR EACH ROW EXECUTE FUNCTION bonus_adjustment_refuse_locked();
