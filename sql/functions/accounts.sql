-- An account hierarchy may never loop.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

CREATE OR REPLACE FUNCTION public.accounts_refuse_cycle() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up(id, depth) AS (
            SELECT NEW.parent_id, 1
            UNION
            SELECT a.parent_id, up.depth + 1 FROM accounts a JOIN up ON a.id = up.id
            WHERE a.parent_id IS NOT NULL AND up.depth < 1000
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'an account hierarchy cannot loop' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'accounts_parent_cycle';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER accounts_refuse_cycle BEFORE INSERT OR UPDATE OF parent_id ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.accounts_refuse_cycle();
