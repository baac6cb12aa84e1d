-- Saved list views (issue 19, item 4): a person's named filters, columns and sort for
-- one of the four lists, kept as the list's own address parameters ("status=open&owner=7
-- &sort=amount&dir=desc&col=name&col=amount"), so that opening a saved view is following
-- a link and a view saved today still opens when a filter is added later.
CREATE TABLE list_views (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('accounts', 'contacts', 'opportunities', 'projects')),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    parameters text NOT NULL CHECK (length(parameters) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX list_views_name_key ON list_views (user_id, kind, lower(name));
GRANT SELECT, INSERT, DELETE ON list_views TO baton_member;

-- A person reads and writes only their own views (the store asks for them by owner
-- too; this holds if it ever forgets).
ALTER TABLE list_views ENABLE ROW LEVEL SECURITY;
CREATE POLICY list_views_own ON list_views TO baton_member
    USING (user_id = acting_user()) WITH CHECK (user_id = acting_user());

-- The deals list sorts by amount or name and pages through a million deals: without
-- these, each page sorts the whole view. (Owner, stage and close date already have
-- theirs: opportunities_owner_idx, _stage_idx, _close_idx.)
CREATE INDEX opportunities_amount_idx ON opportunities (amount, id);
CREATE INDEX opportunities_name_idx ON opportunities (lower(name), id);
-- The projects list's default order and its status filter.
CREATE INDEX projects_status_start_idx ON projects (status, start_date, id);
