-- Global search (issue 19, item 3): which records of one kind match the header's text,
-- among those the viewer sees, best first (names that start with the text, then
-- alphabetically), at most n. Search/SearchStore.swift reads the records it returns.
--
-- A repeatable file: the current definition of each function here, applied again (with
-- every file in this folder) whenever one of them changes.
--
-- Why a function: under row-level security (a baton_member transaction) PostgreSQL may
-- not evaluate an ILIKE before the table's policy (the operator is not leakproof), so it
-- cannot use the trigram indexes (sql/0004, 0005, 0031) and reads every row the viewer
-- sees; for an account manager that is 16,600 deals, 0.7–1 s a search at a million.
-- Here, as the tables' owner, the match may come from the trigram index or from the
-- viewer's accounts, whichever the planner finds fewer: the statement is planned with
-- this call's text and the viewer's visible accounts as an array of known length
-- (EXECUTE … USING plans once with the values), so a rare word starts from its few
-- matches and a common one from the viewer's accounts. The visibility rule is the one
-- the stores and policies use (visible_account_ids); viewer NULL sees everything (an
-- admin). The caller reads the rows under its own policies, which hold it again.
CREATE OR REPLACE FUNCTION public.search_ids(kind text, viewer bigint, pattern text, prefix text, digits text, n integer)
    RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 8
    SET search_path TO 'public', 'pg_temp'
    AS $fn$
DECLARE
    visible bigint[];
BEGIN
    IF viewer IS NOT NULL THEN
        visible := ARRAY(SELECT account_id FROM visible_account_ids(viewer));
    END IF;
    -- $1 the pattern, $2 the prefix it is ordered by, $3 the visible accounts (NULL: all),
    -- $4 a phone's digits as a pattern (NULL: the text is not a number), $5 how many.
    RETURN QUERY EXECUTE CASE kind
        WHEN 'accounts' THEN $q$
            SELECT a.id FROM accounts a
            WHERE (a.name ILIKE $1 OR a.domain ILIKE $1) AND a.archived_at IS NULL AND ($3 IS NULL OR a.id = ANY ($3))
            ORDER BY a.name ILIKE $2 DESC, lower(a.name), a.id LIMIT $5 $q$
        WHEN 'contacts' THEN $q$
            SELECT c.id FROM contacts c
            WHERE (c.name ILIKE $1 OR c.email ILIKE $1 OR ($4 IS NOT NULL AND regexp_replace(c.phone, '[^0-9]', '', 'g') LIKE $4))
              AND c.archived_at IS NULL AND ($3 IS NULL OR c.account_id = ANY ($3))
            ORDER BY c.name ILIKE $2 DESC, lower(c.name), c.id LIMIT $5 $q$
        WHEN 'opportunities' THEN $q$
            SELECT o.id FROM opportunities o
            WHERE o.name ILIKE $1 AND o.archived_at IS NULL AND ($3 IS NULL OR o.account_id = ANY ($3))
            ORDER BY o.name ILIKE $2 DESC, lower(o.name), o.id LIMIT $5 $q$
        END
        USING pattern, prefix, visible, digits, n;
END
$fn$;
