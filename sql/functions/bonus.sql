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
