-- What each account's deals name from the catalog, kept as counts (issue 19, item 11).
--
-- White space counts a won deal whose name names a typical project as a purchase of it
-- ("Cloud migration – phase 2" names "Cloud migration"; imported wins have no proposal
-- or project to say so). At a million deals an industry holds about 31,000 won deals:
-- reading every name on each account page and matching it against the catalog took
-- 0.3 s in PostgreSQL and seconds in Swift. These counts are kept by triggers on the deals
-- and the catalog (sql/functions/white_space.sql), so the page reads one row per account
-- and typical project instead.
--
-- Per stage, not only won ones: which stages count as won is the stages' setting, read
-- when white space is asked; a deal's stage change moves its count between rows.
-- Archived deals count, as they did when white space read the deals.
CREATE TABLE opportunity_named_projects (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    typical_project_id bigint NOT NULL REFERENCES typical_projects (id) ON DELETE CASCADE,
    stage_key text NOT NULL,
    deals integer NOT NULL,
    PRIMARY KEY (account_id, typical_project_id, stage_key)
);

GRANT SELECT ON opportunity_named_projects TO baton_member;

-- The counts as they stand. The words are name_words() in sql/functions/white_space.sql
-- (which runs after the numbered files): lower case, every run of anything but letters
-- and digits one space, a space at each end.
-- Each name's words are worked out once (a materialized CTE), not once per catalog entry.
INSERT INTO opportunity_named_projects (account_id, typical_project_id, stage_key, deals)
WITH d AS MATERIALIZED (
    SELECT account_id, stage_key,
           ' ' || btrim(regexp_replace(lower(name COLLATE "und-x-icu"), '[^[:alnum:]]+', ' ', 'g')) || ' ' AS words
    FROM opportunities
), c AS MATERIALIZED (
    SELECT id, ' ' || btrim(regexp_replace(lower(name COLLATE "und-x-icu"), '[^[:alnum:]]+', ' ', 'g')) || ' ' AS words
    FROM typical_projects
)
SELECT d.account_id, c.id, d.stage_key, count(*)
FROM d JOIN c ON c.words <> '  ' AND strpos(d.words, c.words) > 0
GROUP BY 1, 2, 3;

ANALYZE opportunity_named_projects;
