-- A locked bonus run and its statements never change.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

CREATE OR REPLACE FUNCTION public.bonus_refuse_locked() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE OR REPLACE TRIGGER bonus_runs_locked BEFORE DELETE OR UPDATE ON public.bonus_runs FOR EACH ROW EXECUTE FUNCTION public.bonus_refuse_locked();

CREATE OR REPLACE TRIGGER bonus_statements_locked BEFORE DELETE OR UPDATE ON public.bonus_statements FOR EACH ROW EXECUTE FUNCTION public.bonus_refuse_locked();

-- Nothing is added to, changed in or taken from a locked run's adjustments.
CREATE OR REPLACE FUNCTION public.bonus_adjustment_refuse_locked() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE OR REPLACE TRIGGER bonus_adjustments_locked BEFORE INSERT OR DELETE OR UPDATE ON public.bonus_adjustments FOR EACH ROW EXECUTE FUNCTION public.bonus_adjustment_refuse_locked();

-- The people one membership of a plan covers: its person, or everyone reporting to its
-- manager (at any depth, not the manager) whose roles the plan pays: project managers
-- for completed work, sales people and account managers for bookings.
CREATE OR REPLACE FUNCTION public.bonus_member_people(member_user bigint, member_manager bigint, plan_metric text)
    RETURNS TABLE(user_id bigint)
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF member_user IS NOT NULL THEN
        RETURN QUERY SELECT member_user;
    ELSE
        RETURN QUERY
        SELECT u.id FROM reporting_line(member_manager) l JOIN users u ON u.id = l.user_id
        WHERE u.id <> member_manager
          AND CASE WHEN plan_metric = 'completed_work' THEN 'project_manager' = ANY(u.roles)
                   ELSE u.roles && ARRAY['sales', 'account_manager'] END;
    END IF;
END
$$;
