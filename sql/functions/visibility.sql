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

CREATE OR REPLACE FUNCTION public.visible_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    WITH line AS (SELECT user_id FROM reporting_line(viewer))
    SELECT a.id FROM accounts a WHERE a.owner_id IN (SELECT user_id FROM line)
    UNION
    SELECT m.account_id FROM account_team_members m WHERE m.user_id IN (SELECT user_id FROM line) AND m.opportunities > 0
    UNION
    SELECT p.account_id FROM projects p WHERE p.project_manager_id IN (SELECT user_id FROM line)
$$;

CREATE OR REPLACE FUNCTION public.assigned_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT DISTINCT p.account_id FROM assignments x JOIN projects p ON p.id = x.project_id WHERE x.user_id = viewer
$$;

CREATE OR REPLACE FUNCTION public.proposal_visible(opportunity bigint, author bigint, reviewer bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT author = acting_user() OR reviewer = acting_user()
        OR EXISTS (SELECT 1 FROM opportunities o WHERE o.id = opportunity)
$$;

CREATE OR REPLACE FUNCTION public.project_visible(project bigint, account bigint, manager bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT manager = acting_user()
        OR account IN (SELECT account_id FROM visible_account_ids(acting_user()))
        OR EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = project AND x.user_id = acting_user())
$$;
