-- Where each assignment is (issue 24): its own site, else its project's, else the
-- account's main site; NULL when none of these is set. The one definition of the
-- default, read by day plans, access notes and the calendar feed alike.
CREATE OR REPLACE VIEW assignment_sites WITH (security_invoker = true) AS
    SELECT a.id AS assignment_id, a.user_id, a.project_id,
           coalesce(a.site_id, p.site_id,
                    (SELECT s.id FROM sites s WHERE s.account_id = p.account_id AND s.is_main AND s.archived_at IS NULL)) AS site_id
    FROM assignments a JOIN projects p ON p.id = a.project_id;
