-- White space's purchases by name (issue 19, item 9): a deal whose name names a typical
-- project counts as a purchase of it once the deal is won. The counts of such deals per
-- account, typical project and stage (`opportunity_named_projects`, sql/0043) are kept
-- here, in the transaction of every deal and catalog write, so that an account page reads
-- its industry's purchases from about one row per account instead of every won deal's
-- name (31,000 per industry at a million deals).
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
