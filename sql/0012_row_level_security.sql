-- The second line of defence. Every store already limits what it reads to the
-- caller's scope; these policies make PostgreSQL hold a request to the same scope
-- even where a query forgot to. A request runs its transactions under the role
-- `baton_member` with `baton.acting_user` set (both LOCAL to the transaction); the
-- connecting user owns the tables and is not subject to the policies, which is how
-- migrations, the command line, the demo loader and admins (who see everything)
-- work. With no acting user set, a `baton_member` transaction sees nothing.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_member') THEN
        CREATE ROLE baton_member NOLOGIN;
    END IF;
END
$$;
GRANT baton_member TO CURRENT_USER;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO baton_member;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO baton_member;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO baton_member;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO baton_member;

CREATE FUNCTION acting_user() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('baton.acting_user', true), '')::bigint
$$;

-- The policies call this for rows of the tables it reads itself; as the tables'
-- owner it reads them whole instead of recursing into their policies.
ALTER FUNCTION visible_account_ids(bigint) SECURITY DEFINER SET search_path = public, pg_temp;

-- Each table has one policy: reads, and the rows an UPDATE or DELETE may touch,
-- follow the scope (USING); new and changed rows are checked by the stores (who
-- may create what: WITH CHECK (true)), since a row someone may write is not always
-- one they go on to see (an account handed to another owner).

-- Consultants know the clients they work at (their week names them), though they
-- never see the pipeline.
CREATE FUNCTION assigned_account_ids(viewer bigint) RETURNS TABLE (account_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT p.account_id FROM assignments x JOIN projects p ON p.id = x.project_id WHERE x.user_id = viewer
$$;

-- The owner test comes first: it needs no look-up, and it covers an account being
-- inserted, which the function's snapshot cannot see yet.
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY accounts_scope ON accounts TO baton_member
    USING (owner_id IN (SELECT user_id FROM reporting_line(acting_user()))
           OR id IN (SELECT account_id FROM visible_account_ids(acting_user()))
           OR id IN (SELECT account_id FROM assigned_account_ids(acting_user())))
    WITH CHECK (true);

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
CREATE POLICY contacts_scope ON contacts TO baton_member
    USING (account_id IN (SELECT account_id FROM visible_account_ids(acting_user())))
    WITH CHECK (true);

ALTER TABLE opportunities ENABLE ROW LEVEL SECURITY;
CREATE POLICY opportunities_scope ON opportunities TO baton_member
    USING (account_id IN (SELECT account_id FROM visible_account_ids(acting_user())))
    WITH CHECK (true);

-- A proposal is seen with its opportunity (whose own policy applies inside the
-- EXISTS), and by its author and reviewer.
CREATE FUNCTION proposal_visible(opportunity bigint, author bigint, reviewer bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT author = acting_user() OR reviewer = acting_user()
        OR EXISTS (SELECT 1 FROM opportunities o WHERE o.id = opportunity)
$$;
ALTER TABLE proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY proposals_scope ON proposals TO baton_member
    USING (proposal_visible(opportunity_id, author_id, reviewer_id))
    WITH CHECK (true);

-- A project is seen with its account, by its manager, and by whoever is assigned to it.
CREATE FUNCTION project_visible(project bigint, account bigint, manager bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT manager = acting_user()
        OR account IN (SELECT account_id FROM visible_account_ids(acting_user()))
        OR EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = project AND x.user_id = acting_user())
$$;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_scope ON projects TO baton_member
    USING (project_visible(id, account_id, project_manager_id))
    WITH CHECK (true);

-- A statement is seen by its person and the managers above them.
ALTER TABLE bonus_statements ENABLE ROW LEVEL SECURITY;
CREATE POLICY bonus_statements_scope ON bonus_statements TO baton_member
    USING (user_id IN (SELECT user_id FROM reporting_line(acting_user())))
    WITH CHECK (true);
