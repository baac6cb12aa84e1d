-- White space's purchases by name (issue 19, item 9): a deal whose name names a typical
-- project counts as a purchase of it once the deal is won. The counts of such deals per
-- account, typical project and stage (`opportunity_named_projects`, sql/0043) are kept
-- here, in the transaction of every deal and catalog write, so that an account page reads
-- its industry's purchases from about one row per account instead of every won deal's
-- name (31,000 per industry at a million deals). Its purchases through accepted proposals
-- and won deals' projects are kept per deal below (`white_space_purchases`, sql/0053).
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

-- A name's words as one string: lower case, every run of anything but letters and digits
-- one space, a space at each end ("Wi-Fi survey & rollout" is ' wi fi survey rollout ').
-- A deal's name names a typical project when the project's words appear in it together
-- and in order, so that ' cloud migration ' is in ' cloud migration phase 2 ' and not in
-- ' cloud migrations '. ICU's rules for letters and case, not the database's C locale
-- (which knows only ASCII): the same words as WhiteSpace.named in Swift reads
-- (WhiteSpaceNamedTests holds the two to the same answers).
CREATE OR REPLACE FUNCTION public.name_words(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT ' ' || btrim(regexp_replace(lower(name COLLATE "und-x-icu"), '[^[:alnum:]]+', ' ', 'g')) || ' '
$$;

-- The statement that adds to the counts the deals of `source`: a query with a `sign`
-- column (1 to add, -1 to take away) and the deal's account_id, stage_key and name. Each
-- name's words are worked out once, not once per catalog entry.
CREATE OR REPLACE FUNCTION public.named_projects_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        WITH d AS MATERIALIZED (SELECT x.sign, x.account_id, x.stage_key, name_words(x.name) AS words FROM (%s) x),
             c AS MATERIALIZED (SELECT id, name_words(name) AS words FROM typical_projects)
        INSERT INTO opportunity_named_projects AS t (account_id, typical_project_id, stage_key, deals)
        SELECT d.account_id, c.id, d.stage_key, sum(d.sign)
        FROM d JOIN c ON c.words <> '  ' AND strpos(d.words, c.words) > 0
        GROUP BY 1, 2, 3
        HAVING sum(d.sign) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (account_id, typical_project_id, stage_key) DO UPDATE SET deals = t.deals + excluded.deals
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.opportunities_keep_named_projects() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    changed constant text := '(o.account_id, o.stage_key, o.name) IS DISTINCT FROM (n.account_id, n.stage_key, n.name)';
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE named_projects_upsert('SELECT 1 AS sign, account_id, stage_key, name FROM new_rows');
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE named_projects_upsert('SELECT -1 AS sign, account_id, stage_key, name FROM old_rows');
    ELSE
        EXECUTE named_projects_upsert(format(
            'SELECT -1 AS sign, o.account_id, o.stage_key, o.name FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %1$s
             UNION ALL SELECT 1, n.account_id, n.stage_key, n.name FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %1$s',
            changed));
    END IF;
    RETURN NULL;
END
$_$;

CREATE OR REPLACE TRIGGER opportunities_named_projects_insert AFTER INSERT ON public.opportunities REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_named_projects();

CREATE OR REPLACE TRIGGER opportunities_named_projects_update AFTER UPDATE ON public.opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_named_projects();

CREATE OR REPLACE TRIGGER opportunities_named_projects_delete AFTER DELETE ON public.opportunities REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_named_projects();

-- A typical project added or renamed is matched against every deal's name again (a few
-- seconds at a million deals: the catalog changes seldom, the account page is read all day).
CREATE OR REPLACE FUNCTION public.typical_projects_keep_named_projects() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    DELETE FROM opportunity_named_projects WHERE typical_project_id = NEW.id;
    WITH d AS MATERIALIZED (SELECT account_id, stage_key, name_words(name) AS words FROM opportunities)
    INSERT INTO opportunity_named_projects (account_id, typical_project_id, stage_key, deals)
    SELECT d.account_id, NEW.id, d.stage_key, count(*)
    FROM d WHERE name_words(NEW.name) <> '  ' AND strpos(d.words, name_words(NEW.name)) > 0
    GROUP BY 1, 3;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER typical_projects_named_projects_insert AFTER INSERT ON public.typical_projects FOR EACH ROW EXECUTE FUNCTION public.typical_projects_keep_named_projects();

CREATE OR REPLACE TRIGGER typical_projects_named_projects_rename AFTER UPDATE OF name ON public.typical_projects FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION public.typical_projects_keep_named_projects();

-- White space's purchases through proposals and projects (issue 19, item 11), kept per
-- deal and typical project in `white_space_purchases` (sql/0053) by the transaction of
-- every write that changes them: a proposal accepted, no longer accepted, moved to another
-- deal or removed; an accepted proposal's line added, changed or removed; a project moved
-- to another deal or removed; a project's phase added, changed or removed; a deal's
-- account or stage changed (a deal deleted takes its rows by the foreign key).

-- The rows of `deals` worked out again from their proposals and projects as they stand:
-- per deal and typical project, whether an accepted proposal of the deal has a line of it
-- and whether the deal's project has a phase of it, with the deal's account and stage.
-- The deals' rows are locked first (NO KEY UPDATE: foreign key checks are not blocked),
-- so that two transactions writing to one deal take turns here instead of each deleting
-- what it sees and inserting the same keys (as growth_pipeline_refresh does).
CREATE OR REPLACE FUNCTION public.white_space_purchases_refresh(deals bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF cardinality(deals) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM opportunities WHERE id = ANY (deals) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM white_space_purchases WHERE opportunity_id = ANY (deals);
    INSERT INTO white_space_purchases (opportunity_id, typical_project_id, account_id, stage_key, accepted, delivered)
    SELECT o.id, b.typical_project_id, o.account_id, o.stage_key, bool_or(b.accepted), bool_or(NOT b.accepted)
    FROM opportunities o
    CROSS JOIN LATERAL (
        SELECT l.typical_project_id, true AS accepted
        FROM proposals p JOIN proposal_lines l ON l.proposal_id = p.id
        WHERE p.opportunity_id = o.id AND p.status = 'accepted' AND l.typical_project_id IS NOT NULL
        UNION ALL
        SELECT ph.typical_project_id, false
        FROM projects j JOIN project_phases ph ON ph.project_id = j.id
        WHERE j.opportunity_id = o.id AND ph.typical_project_id IS NOT NULL
    ) b
    WHERE o.id = ANY (deals)
    GROUP BY o.id, b.typical_project_id;
END
$$;

-- Which deals a write to the proposals or the projects touches (their rows name the deal):
-- the deal of each row that counts, before and after the write. TG_ARGV[0] says which rows
-- count, as a condition on the row `p` (an accepted proposal; any project), so that a
-- draft, a sent proposal or a new version, a project's status or dates, change nothing
-- here. The condition is the trigger's own text, never a value from a write.
CREATE OR REPLACE FUNCTION public.white_space_keep_deals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    deals bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        EXECUTE format($q$
            WITH b AS (SELECT p.id, p.opportunity_id, (%1$s) AS counts FROM old_rows p),
                 a AS (SELECT p.id, p.opportunity_id, (%1$s) AS counts FROM new_rows p)
            SELECT ARRAY(SELECT DISTINCT unnest(ARRAY[b.opportunity_id, a.opportunity_id]) FROM b JOIN a ON a.id = b.id
                         WHERE (b.counts OR a.counts) AND (b.opportunity_id, b.counts) IS DISTINCT FROM (a.opportunity_id, a.counts))
            $q$, TG_ARGV[0]) INTO deals;
    ELSE
        EXECUTE format('SELECT ARRAY(SELECT DISTINCT p.opportunity_id FROM %s p WHERE %s)',
                       CASE TG_OP WHEN 'INSERT' THEN 'new_rows' ELSE 'old_rows' END, TG_ARGV[0]) INTO deals;
    END IF;
    PERFORM white_space_purchases_refresh(deals);
    RETURN NULL;
END
$_$;

-- Which deals a write to a proposal's lines or a project's phases touches: the deal of
-- the proposal or project (TG_ARGV[0], named by the row's column TG_ARGV[1]) that counts
-- (TG_ARGV[2], as above) of each row of a typical project, before and after the write; an
-- update only when the row's parent or typical project changed (a price, a description,
-- dates or completion change nothing here). A row deleted with its parent finds no parent
-- here; the parent's own trigger works that deal out again.
CREATE OR REPLACE FUNCTION public.white_space_keep_deals_of_parts() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    parents text;
    deals bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        parents := format('SELECT unnest(ARRAY[o.%1$I, n.%1$I]) FROM old_rows o JOIN new_rows n ON n.id = o.id
                           WHERE (o.%1$I, o.typical_project_id) IS DISTINCT FROM (n.%1$I, n.typical_project_id)', TG_ARGV[1]);
    ELSE
        parents := format('SELECT %I FROM %s WHERE typical_project_id IS NOT NULL',
                          TG_ARGV[1], CASE TG_OP WHEN 'INSERT' THEN 'new_rows' ELSE 'old_rows' END);
    END IF;
    EXECUTE format('SELECT ARRAY(SELECT DISTINCT p.opportunity_id FROM %I p WHERE (%s) AND p.id IN (%s))',
                   TG_ARGV[0], TG_ARGV[2], parents) INTO deals;
    PERFORM white_space_purchases_refresh(deals);
    RETURN NULL;
END
$_$;

CREATE OR REPLACE TRIGGER proposals_white_space_insert AFTER INSERT ON public.proposals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals('p.status = ''accepted''');

CREATE OR REPLACE TRIGGER proposals_white_space_update AFTER UPDATE ON public.proposals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals('p.status = ''accepted''');

CREATE OR REPLACE TRIGGER proposals_white_space_delete AFTER DELETE ON public.proposals REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals('p.status = ''accepted''');

CREATE OR REPLACE TRIGGER projects_white_space_insert AFTER INSERT ON public.projects REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals('true');

CREATE OR REPLACE TRIGGER projects_white_space_update AFTER UPDATE ON public.projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals('true');

CREATE OR REPLACE TRIGGER projects_white_space_delete AFTER DELETE ON public.projects REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals('true');

CREATE OR REPLACE TRIGGER proposal_lines_white_space_insert AFTER INSERT ON public.proposal_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals_of_parts('proposals', 'proposal_id', 'p.status = ''accepted''');

CREATE OR REPLACE TRIGGER proposal_lines_white_space_update AFTER UPDATE ON public.proposal_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals_of_parts('proposals', 'proposal_id', 'p.status = ''accepted''');

CREATE OR REPLACE TRIGGER proposal_lines_white_space_delete AFTER DELETE ON public.proposal_lines REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals_of_parts('proposals', 'proposal_id', 'p.status = ''accepted''');

CREATE OR REPLACE TRIGGER project_phases_white_space_insert AFTER INSERT ON public.project_phases REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals_of_parts('projects', 'project_id', 'true');

CREATE OR REPLACE TRIGGER project_phases_white_space_update AFTER UPDATE ON public.project_phases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals_of_parts('projects', 'project_id', 'true');

CREATE OR REPLACE TRIGGER project_phases_white_space_delete AFTER DELETE ON public.project_phases REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.white_space_keep_deals_of_parts('projects', 'project_id', 'true');

-- A deal's account or stage, carried in its rows: whether it has any does not depend on
-- them, so they are rewritten in place, and only deals that have rows (one in 400 here)
-- pay more than the comparison. A stage's key renamed reaches here through the deals'
-- ON UPDATE CASCADE.
CREATE OR REPLACE FUNCTION public.opportunities_keep_white_space() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    UPDATE white_space_purchases w SET account_id = n.account_id, stage_key = n.stage_key
    FROM new_rows n
    WHERE w.opportunity_id = n.id AND (w.account_id, w.stage_key) IS DISTINCT FROM (n.account_id, n.stage_key);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER opportunities_white_space_update AFTER UPDATE ON public.opportunities REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_white_space();
