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

-- The rule: a viewer sees an account when its owner, a member of one of its deal teams
-- (with at least one deal there) or the manager of one of its projects is the viewer or
-- reports to them, directly or not. Asked the other way round, per account: the people
-- who see the given accounts are those people and everyone above them. account_viewers
-- (sql/0046) holds its answer for every account and is kept equal to it below; the
-- stores and policies read the table, this function only refreshes it.
CREATE OR REPLACE FUNCTION public.account_viewers_by_rule(accounts bigint[]) RETURNS TABLE(viewer_id bigint, account_id bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
    WITH RECURSIVE seen(viewer_id, account_id) AS (
        SELECT a.owner_id, a.id FROM accounts a WHERE a.id = ANY (accounts) AND a.owner_id IS NOT NULL
        UNION
        SELECT m.user_id, m.account_id FROM account_team_members m WHERE m.account_id = ANY (accounts) AND m.opportunities > 0
        UNION
        SELECT p.project_manager_id, p.account_id FROM projects p WHERE p.account_id = ANY (accounts) AND p.project_manager_id IS NOT NULL
        UNION
        SELECT u.manager_id, s.account_id FROM seen s JOIN users u ON u.id = s.viewer_id WHERE u.manager_id IS NOT NULL
    )
    SELECT viewer_id, account_id FROM seen
$$;

-- Makes account_viewers equal to the rule for these accounts: adds who now sees them,
-- removes who no longer does.
--
-- Under concurrent writes the last refresh of an account must see every change the
-- others made: each refresh locks its accounts (hashed into 512 locks, taken in order,
-- so that a firm-wide refresh takes a bounded number) until its transaction ends, and
-- reads the rule after the lock, in a statement of its own (READ COMMITTED: a new
-- snapshot, with the other writer's change committed). A reorganisation takes the
-- whole table's lock (account_viewers_reorganised); a refresh holds it shared.
CREATE OR REPLACE FUNCTION public.account_viewers_refresh(accounts bigint[]) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF cardinality(accounts) IS NOT DISTINCT FROM 0 OR accounts IS NULL THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock_shared(4646, 0);
    PERFORM pg_advisory_xact_lock(4646, b.bucket)
    FROM (SELECT DISTINCT (1 + a % 512)::int AS bucket FROM unnest(accounts) a ORDER BY 1) b;
    WITH wanted AS MATERIALIZED (SELECT r.viewer_id, r.account_id FROM account_viewers_by_rule(accounts) r),
    gone AS (
        DELETE FROM account_viewers v WHERE v.account_id = ANY (accounts)
          AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.viewer_id = v.viewer_id AND w.account_id = v.account_id)
    )
    INSERT INTO account_viewers (viewer_id, account_id)
    SELECT w.viewer_id, w.account_id FROM wanted w ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
END
$$;

-- After a change to the people an account's visibility starts from (its owner, its
-- deal-team members with deals, its project managers): the accounts where the set of
-- (person, account) pairs differs between the old and new rows are refreshed. A
-- change that keeps them (a deal team's count from 3 to 4, an account renamed) costs
-- one comparison of the statement's rows and takes no lock. A deleted account's rows
-- go with it (ON DELETE CASCADE).
CREATE OR REPLACE FUNCTION public.account_viewers_keep() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    pairs constant text := CASE TG_TABLE_NAME
        WHEN 'accounts' THEN 'SELECT owner_id AS person, id AS account_id FROM %I WHERE owner_id IS NOT NULL'
        WHEN 'account_team_members' THEN 'SELECT user_id AS person, account_id FROM %I WHERE opportunities > 0'
        WHEN 'projects' THEN 'SELECT project_manager_id AS person, account_id FROM %I WHERE project_manager_id IS NOT NULL'
    END;
    before constant text := CASE WHEN TG_OP = 'INSERT' THEN 'SELECT NULL::bigint, NULL::bigint WHERE false' ELSE format(pairs, 'old_rows') END;
    after constant text := CASE WHEN TG_OP = 'DELETE' THEN 'SELECT NULL::bigint, NULL::bigint WHERE false' ELSE format(pairs, 'new_rows') END;
    changed bigint[];
BEGIN
    EXECUTE format('SELECT array_agg(DISTINCT d.account_id) FROM ((%1$s EXCEPT %2$s) UNION ALL (%2$s EXCEPT %1$s)) d(person, account_id)',
                   before, after)
    INTO changed;
    PERFORM account_viewers_refresh(changed);
    RETURN NULL;
END
$_$;

-- After a change of managers (a reorganisation): everyone above a moved person gains or
-- loses what the moved person's line sees. The accounts concerned are those the moved
-- people saw before the move, in account_viewers (a moved person's own set depends only
-- on the people below them; someone who moves into the line of another moved person was
-- in their own old set's line). The whole table's lock first, so that no refresh of an
-- account in the moved line runs with the old line meanwhile. A person added sees
-- nothing yet (nobody reports to them, they own nothing), and a deactivated one keeps
-- the rule's answer (signing in is what deactivation refuses), so only moves matter.
CREATE OR REPLACE FUNCTION public.account_viewers_reorganised() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    moved bigint[];
BEGIN
    SELECT array_agg(n.id) INTO moved
    FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.manager_id IS DISTINCT FROM n.manager_id;
    IF moved IS NULL THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(4646, 0);
    PERFORM account_viewers_refresh(ARRAY(SELECT DISTINCT v.account_id FROM account_viewers v WHERE v.viewer_id = ANY (moved)));
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER accounts_viewers_insert AFTER INSERT ON public.accounts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER accounts_viewers_update AFTER UPDATE ON public.accounts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER account_team_members_viewers_insert AFTER INSERT ON public.account_team_members REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER account_team_members_viewers_update AFTER UPDATE ON public.account_team_members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER account_team_members_viewers_delete AFTER DELETE ON public.account_team_members REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER projects_viewers_insert AFTER INSERT ON public.projects REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER projects_viewers_update AFTER UPDATE ON public.projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER projects_viewers_delete AFTER DELETE ON public.projects REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_keep();
CREATE OR REPLACE TRIGGER users_viewers_update AFTER UPDATE ON public.users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.account_viewers_reorganised();

-- Whenever these definitions are applied again (the rule may have changed), the table
-- is made equal to the rule for every account: 62,000 rows in about a second for
-- 10,000 accounts. The first time, right after sql/0046 made it, this fills it.
SELECT account_viewers_refresh(ARRAY(SELECT id FROM accounts));

-- The accounts a viewer sees, as a set: for the stores' list scopes, which read many
-- rows. The viewer's rows of account_viewers, read from its primary key.
-- Not inlined (SECURITY DEFINER) and said to return 100 rows, an account manager's
-- book: inlined, PostgreSQL planned the open deals' first page by walking every deal
-- in close-date order and probing the table (an account manager's 0.5 s to 1.2 s);
-- told 100 it starts from the viewer's accounts. Told the default 1,000 accounts (a
-- tenth of the firm at 10,000), it read every deal and probed the set (an account
-- manager's list of open deals 707 ms to 39 ms, a manager's 595 to 266 ms).
CREATE OR REPLACE FUNCTION public.visible_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT v.account_id FROM account_viewers v WHERE v.viewer_id = viewer
$$;

-- Whether a viewer sees every account of the firm (a head of sales above everyone): then
-- every deal is theirs to see and the firm's kept totals are their totals too. Their own
-- rows are counted first; the accounts (past row-level security: SECURITY DEFINER) only
-- when those come near the planner's count of them, so an account manager's question
-- costs one look-up of their rows. account_viewers' key makes equal counts the same set.
CREATE OR REPLACE FUNCTION public.sees_every_account(viewer bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT mine.n > 0 AND mine.n >= (SELECT c.reltuples * 0.9 FROM pg_class c WHERE c.oid = 'public.accounts'::regclass)
           AND mine.n = (SELECT count(*) FROM accounts)
    FROM (SELECT count(*) AS n FROM account_viewers v WHERE v.viewer_id = viewer) mine
$$;

-- Whether a viewer sees one account: one look-up of account_viewers' primary key.
CREATE OR REPLACE FUNCTION public.account_visible(viewer bigint, account bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = viewer AND v.account_id = account)
$$;

CREATE OR REPLACE FUNCTION public.assigned_account_ids(viewer bigint) RETURNS TABLE(account_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT DISTINCT p.account_id FROM assignments x JOIN projects p ON p.id = x.project_id WHERE x.user_id = viewer
$$;

-- The projects' and proposals' policies ask their rules themselves (sql/0041): a function
-- with a subquery is called per row, and rebuilt the visible set on every call.
