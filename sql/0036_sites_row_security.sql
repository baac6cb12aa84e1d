-- Row-level security on sites (issue 24). SiteStore scopes every read already; this
-- is the same rule kept by the database for every statement of a baton_member
-- transaction, as for the other tables (0012).
--
-- A site is seen when it is one of the firm's own places (no account), when its
-- account is seen (visible_account_ids: owned, on the deal team, or managed in the
-- viewer's reporting line), or when someone in the viewer's reporting line works
-- at that account: a consultant knows the sites of the clients they work at, and a
-- manager reads the day plans of the people below them, which name those sites.
--
-- The helper is defined here so that the policy can name it, and its current
-- definition is kept in sql/functions/sites.sql like every function.
CREATE OR REPLACE FUNCTION public.line_assigned_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT DISTINCT p.account_id FROM assignments x JOIN projects p ON p.id = x.project_id
    WHERE x.user_id IN (SELECT user_id FROM reporting_line(viewer))
$$;

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
CREATE POLICY sites_scope ON sites TO baton_member
    USING (account_id IS NULL
           OR account_id IN (SELECT account_id FROM visible_account_ids(acting_user()))
           OR account_id IN (SELECT account_id FROM line_assigned_account_ids(acting_user())))
    WITH CHECK (true);
