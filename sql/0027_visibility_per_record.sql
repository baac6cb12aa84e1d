-- Row-level security asks of each row whether its account is visible
-- (account_visible, sql/functions/visibility.sql: index look-ups on the account's owner,
-- team counts and projects) instead of building the caller's whole set of visible
-- accounts, which a read of one opportunity by an account manager built three times
-- (the store's scope, this table's policy, the accounts policy): 11 ms of PostgreSQL per
-- read, against 0.5 ms for the admin's. The rule itself is unchanged. The function's
-- current definition lives in sql/functions/visibility.sql; this is its first.
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
ALTER POLICY opportunities_scope ON opportunities USING (account_visible(acting_user(), account_id));
ALTER POLICY contacts_scope ON contacts USING (account_visible(acting_user(), account_id));
-- The owner test still comes first: it covers an account being inserted, which the
-- function's snapshot cannot see yet.
ALTER POLICY accounts_scope ON accounts
    USING (owner_id IN (SELECT user_id FROM reporting_line(acting_user()))
           OR account_visible(acting_user(), id)
           OR id IN (SELECT account_id FROM assigned_account_ids(acting_user())));
