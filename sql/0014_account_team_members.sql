-- Who is on a team of some deal at each account, kept current by triggers, so that
-- the accounts a person sees (`visible_account_ids`, which every scope and every
-- row-level security policy asks) no longer walks every team row of every deal
-- of their line: an account manager on 16,000 deals' teams over 166 accounts read
-- 16,000 team rows and as many deals per question; now 166 rows.

CREATE TABLE account_team_members (
    user_id bigint NOT NULL,
    account_id bigint NOT NULL,
    -- How many of the account's deals have this person on their team; a row at 0
    -- stays (a person often comes back) and counts for nothing.
    opportunities integer NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
GRANT SELECT ON account_team_members TO baton_member;

-- Adds the rows of `source` (sign, user_id, account_id) to the counts, in key order.
CREATE FUNCTION account_team_members_upsert(source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    SELECT format($q$
        INSERT INTO account_team_members AS m (user_id, account_id, opportunities)
        SELECT d.user_id, d.account_id, sum(d.sign) FROM (%s) d
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (user_id, account_id) DO UPDATE SET opportunities = m.opportunities + excluded.opportunities
        $q$, source)
$f$;

CREATE FUNCTION opportunity_team_keep_members() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    added constant text := 'SELECT 1 AS sign, m.user_id, o.account_id FROM new_rows m JOIN opportunities o ON o.id = m.opportunity_id';
    removed constant text := 'SELECT -1 AS sign, m.user_id, o.account_id FROM old_rows m JOIN opportunities o ON o.id = m.opportunity_id';
BEGIN
    EXECUTE account_team_members_upsert(CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed
                                                   ELSE removed || ' UNION ALL ' || added END);
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunity_team_members_insert AFTER INSERT ON opportunity_team
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_team_keep_members();
CREATE TRIGGER opportunity_team_members_update AFTER UPDATE ON opportunity_team
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_team_keep_members();
CREATE TRIGGER opportunity_team_members_delete AFTER DELETE ON opportunity_team
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_team_keep_members();

-- A deal moved to another account takes its team's counts with it.
CREATE FUNCTION opportunities_keep_members() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    EXECUTE account_team_members_upsert(
        'SELECT -1 AS sign, m.user_id, o.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN opportunity_team m ON m.opportunity_id = o.id WHERE o.account_id <> n.account_id
         UNION ALL SELECT 1, m.user_id, n.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN opportunity_team m ON m.opportunity_id = n.id WHERE o.account_id <> n.account_id');
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunities_members_update AFTER UPDATE ON opportunities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunities_keep_members();

INSERT INTO account_team_members (user_id, account_id, opportunities)
SELECT t.user_id, o.account_id, count(*) FROM opportunity_team t JOIN opportunities o ON o.id = t.opportunity_id
GROUP BY 1, 2;

-- The same answer as before (sql/0008_projects.sql), from the counts.
CREATE OR REPLACE FUNCTION visible_account_ids(viewer bigint) RETURNS TABLE (account_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH line AS (SELECT user_id FROM reporting_line(viewer))
    SELECT a.id FROM accounts a WHERE a.owner_id IN (SELECT user_id FROM line)
    UNION
    SELECT m.account_id FROM account_team_members m WHERE m.user_id IN (SELECT user_id FROM line) AND m.opportunities > 0
    UNION
    SELECT p.account_id FROM projects p WHERE p.project_manager_id IN (SELECT user_id FROM line)
$$;
