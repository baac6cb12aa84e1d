-- Where each assignment is (issue 24): its own site, else its project's, else the
-- account's main site; NULL when none of these is set. The one definition of the
-- default, read by day plans, access notes and the calendar feed alike.
CREATE OR REPLACE VIEW assignment_sites WITH (security_invoker = true) AS
    SELECT a.id AS assignment_id, a.user_id, a.project_id,
           coalesce(a.site_id, p.site_id,
                    (SELECT s.id FROM sites s WHERE s.account_id = p.account_id AND s.is_main AND s.archived_at IS NULL)) AS site_id
    FROM assignments a JOIN projects p ON p.id = a.project_id;

-- The accounts at which anyone in the viewer's reporting line (the viewer included)
-- is assigned: the sites policy's third branch (sql/0036), so that a manager reading
-- a report's day plans reads the sites those plans name.
CREATE OR REPLACE FUNCTION public.line_assigned_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT DISTINCT p.account_id FROM assignments x JOIN projects p ON p.id = x.project_id
    WHERE x.user_id IN (SELECT user_id FROM reporting_line(viewer))
$$;
