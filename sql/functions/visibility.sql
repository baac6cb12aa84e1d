-- Who sees what, as functions of the viewer: the stores' scopes (Pipeline/Scope.swift) and the
-- row-level security policies (0012 and later) both call these, so the rule exists once.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

CREATE OR REPLACE FUNCTION public.acting_user() RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT nullif(current_setting('baton.acting_user', true), '')::bigint
$$;

-- The accounts a viewer sees, as a set: for the stores' list scopes, which read many rows.
-- The line is gathered first, so that each branch is an index look-up per person of it
-- (an account manager's line is one person); planned as one SQL statement, the line's
-- estimate (hundreds of rows) made each branch a scan of its whole table (18 ms for an
-- account manager at 10,000 accounts, against 0.6 ms like this).
-- ROWS 100, an account manager's book, not the default 1,000: told 1,000 accounts (a
-- tenth of the firm at 10,000), the planner read every deal and probed the set, where
-- starting from the set's accounts reads only theirs (an account manager's list of open
-- deals 707 ms to 39 ms, and a manager's of 1,600 accounts 595 ms to 266 ms, at a million).
CREATE OR REPLACE FUNCTION public.visible_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    line bigint[] := ARRAY(SELECT user_id FROM reporting_line(viewer));
BEGIN
    RETURN QUERY
    SELECT a.id FROM accounts a WHERE a.owner_id = ANY (line)
    UNION
    SELECT m.account_id FROM account_team_members m WHERE m.user_id = ANY (line) AND m.opportunities > 0
    UNION
    SELECT p.account_id FROM projects p WHERE p.project_manager_id = ANY (line);
END
$$;

-- Whether a viewer sees one account: the same rule as visible_account_ids, asked of one
-- record with index look-ups on its own owner, team counts and projects, instead of
-- building the viewer's whole set (a read of one record by id). Not for the policies or
-- lists: asked per row of a scan it costs a call per row (sql/0027). SQL, not PL/pgSQL:
-- its plan is kept for every row of the statement that calls it, where PL/pgSQL's
-- generic plan for the line took milliseconds per call.
CREATE OR REPLACE FUNCTION public.account_visible(viewer bigint, account bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    WITH line AS MATERIALIZED (SELECT user_id FROM reporting_line(viewer))
    SELECT EXISTS (SELECT 1 FROM accounts a WHERE a.id = account AND a.owner_id IN (SELECT user_id FROM line))
        OR EXISTS (SELECT 1 FROM account_team_members m
                   WHERE m.account_id = account AND m.opportunities > 0 AND m.user_id IN (SELECT user_id FROM line))
        OR EXISTS (SELECT 1 FROM projects p WHERE p.account_id = account AND p.project_manager_id IN (SELECT user_id FROM line))
$$;

CREATE OR REPLACE FUNCTION public.assigned_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT DISTINCT p.account_id FROM assignments x JOIN projects p ON p.id = x.project_id WHERE x.user_id = viewer
$$;

-- The projects' and proposals' policies ask their rules themselves (sql/0041): a function
-- with a subquery is called per row, and rebuilt the visible set on every call.
