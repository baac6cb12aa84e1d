-- The audit trail is evidence, so it only grows, whoever asks.
--
-- UPDATE and DELETE already fire audit_log_append_only (0003). TRUNCATE fires no
-- row triggers, so it gets a statement trigger of its own: it refuses the role
-- Baton connects as too, which owns the table and so holds every privilege on it.
-- (A REVOKE from the owner would be undone by the owner, and a pg_dump would carry
-- it under the owner's name to a server where that role may not exist.)
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Requests of everyone but admins run as baton_member (0012). That role may read
-- the trail (the timelines do) and append to it, but only entries in its own name,
-- stamped now: a request cannot write history for someone else, nor backdate it.
-- The stores insert with the caller as actor and the default time, so every honest
-- entry passes; the import's set-based INSERT … SELECT keeps working as it is.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM baton_member;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT TO baton_member USING (true);
CREATE POLICY audit_log_own_entries ON audit_log FOR INSERT TO baton_member
    WITH CHECK (actor_id = acting_user() AND at = now());

-- A client's status link always expires: links made before there was a default
-- get the longest lifetime a new one may have, counted from when they were made.
UPDATE project_status_links SET expires_on = (created_at AT TIME ZONE 'UTC')::date + 365 WHERE expires_on IS NULL;
ALTER TABLE project_status_links ALTER COLUMN expires_on SET NOT NULL;
