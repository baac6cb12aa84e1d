-- Who sees which account, kept as a table (issue 21, item 4): a read by an account
-- manager asks one index look-up instead of building their whole set of visible
-- accounts.
--
-- The policies asked `account_id IN (SELECT … FROM visible_account_ids(acting_user()))`,
-- which walks the viewer's reporting line and gathers every account owned by, on a
-- deal team of, or with a project managed by someone on it: 166 accounts and about 400
-- buffer reads for an account manager, once per statement and per table the statement
-- reads (a deal and its account: twice). A read of one deal took 1.0 ms of PostgreSQL's
-- time as an account manager against 0.08 ms for the admin.
--
-- The rule itself is unchanged (sql/functions/visibility.sql): a viewer sees an account
-- when its owner, a member of one of its deal teams (with at least one deal there) or
-- the manager of one of its projects is the viewer or reports to them, directly or not.
-- account_viewers holds its answer, one row per (viewer, account), kept equal to it by
-- the triggers in sql/functions/visibility.sql (owners, deal teams' counts, project
-- managers, reporting lines) and filled there, in the repeatable step that follows
-- this migration, from the rule.
CREATE TABLE account_viewers (
    viewer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (viewer_id, account_id)
);
-- The other way round: who sees an account, for its refresh when its people change.
CREATE UNIQUE INDEX account_viewers_account_idx ON account_viewers (account_id, viewer_id);

-- Only the triggers (SECURITY DEFINER) write it; members read it in the policies.
REVOKE INSERT, UPDATE, DELETE ON account_viewers FROM baton_member;
GRANT SELECT ON account_viewers TO baton_member;

-- An account's refresh finds its deal-team members by account (the key starts with
-- the person).
CREATE INDEX account_team_members_account_idx ON account_team_members (account_id) WHERE opportunities > 0;

-- The policies ask the table, the same rule: one primary-key look-up for a record,
-- a semi-join or hashed subplan over the viewer's rows for a list.
--
-- An account created by its owner must pass the policy in the INSERT's RETURNING,
-- before the statement's trigger adds its row here: that arm (the owner on the
-- viewer's line) stays, after the table's look-up so that it is built only when needed.
ALTER POLICY accounts_scope ON accounts
    USING (EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = accounts.id)
           OR owner_id IN (SELECT user_id FROM reporting_line(acting_user()))
           OR id IN (SELECT account_id FROM assigned_account_ids(acting_user())));

ALTER POLICY contacts_scope ON contacts
    USING (EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = contacts.account_id));

ALTER POLICY opportunities_scope ON opportunities
    USING (EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = opportunities.account_id));

ALTER POLICY projects_scope ON projects
    USING (project_manager_id = acting_user()
           OR EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = projects.account_id)
           OR EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = projects.id AND x.user_id = acting_user()));

ALTER POLICY sites_scope ON sites
    USING (account_id IS NULL
           OR EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = sites.account_id)
           OR account_id IN (SELECT account_id FROM line_assigned_account_ids(acting_user())));

ALTER POLICY agreements_scope ON agreements
    USING (EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = agreements.account_id));

ALTER POLICY agreement_movements_scope ON agreement_movements
    USING (EXISTS (SELECT 1 FROM account_viewers v WHERE v.viewer_id = acting_user() AND v.account_id = agreement_movements.account_id));
