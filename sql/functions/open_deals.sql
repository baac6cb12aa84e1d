-- A deal's `is_open` (sql/0044) taken from its stage when a statement does not give it:
-- on an insert that leaves it out, and when the deal moves to another stage. A wrong
-- value given on purpose is refused by the foreign key (stage_key, is_open) to the
-- stage. A stage that does not exist leaves the flag true, so the foreign key's own
-- "no such stage" error is the one raised, as before the flag.
--
-- Row triggers with WHEN clauses: a bulk load that gives the flag (bench/generate.sql)
-- never calls the function, and an update that leaves the stage alone does not either.
--
-- A repeatable file: the current definition of each function here, applied again (with
-- every file in this folder) whenever one of them changes.

CREATE OR REPLACE FUNCTION public.opportunities_take_stage_kind() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.is_open := coalesce((SELECT s.is_open FROM public.pipeline_stages s WHERE s.key = NEW.stage_key), true);
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER opportunities_open_insert BEFORE INSERT ON public.opportunities
    FOR EACH ROW WHEN (NEW.is_open IS NULL) EXECUTE FUNCTION public.opportunities_take_stage_kind();

CREATE OR REPLACE TRIGGER opportunities_open_stage BEFORE UPDATE OF stage_key ON public.opportunities
    FOR EACH ROW WHEN (OLD.stage_key IS DISTINCT FROM NEW.stage_key) EXECUTE FUNCTION public.opportunities_take_stage_kind();
