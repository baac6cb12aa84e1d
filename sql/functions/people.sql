-- The reporting line: who is below whom, and a line that may never loop.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

CREATE OR REPLACE FUNCTION public.reporting_line(root bigint) RETURNS TABLE(user_id bigint)
    LANGUAGE sql STABLE
    AS $$
    WITH RECURSIVE line(id) AS (
        SELECT root
        UNION
        SELECT u.id FROM users u JOIN line ON u.manager_id = line.id
    )
    SELECT id FROM line
$$;

CREATE OR REPLACE FUNCTION public.managers_above(person bigint) RETURNS TABLE(user_id bigint, depth integer)
    LANGUAGE sql STABLE
    AS $$
    WITH RECURSIVE up(id, depth) AS (
        SELECT manager_id, 1 FROM users WHERE id = person AND manager_id IS NOT NULL
        UNION
        SELECT u.manager_id, up.depth + 1 FROM users u JOIN up ON u.id = up.id
        WHERE u.manager_id IS NOT NULL AND up.depth < 100
    )
    SELECT id, depth FROM up
$$;

CREATE OR REPLACE FUNCTION public.users_refuse_cycle() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.manager_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM managers_above(NEW.manager_id) m WHERE m.user_id = NEW.id
    ) OR NEW.manager_id = NEW.id THEN
        RAISE EXCEPTION 'a reporting line cannot loop' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'users_manager_cycle';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER users_refuse_cycle BEFORE INSERT OR UPDATE OF manager_id ON public.users FOR EACH ROW EXECUTE FUNCTION public.users_refuse_cycle();
