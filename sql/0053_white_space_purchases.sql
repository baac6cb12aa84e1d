-- What each deal bought of the catalog through a proposal or a project, kept (issue 19,
-- item 11; the account page's white space).
--
-- White space counts a typical project as bought by an account when an accepted proposal
-- of one of its deals has a line of it, or when one of its won deals' project has a phase
-- of it (besides the deals' names, kept in opportunity_named_projects, sql/0043). Worked
-- out on every account page, that joined the firm's 2,604 accepted proposals and 2,604
-- projects to their deals by key at a million deals (about 21,000 buffers, 60-145 ms,
-- most of the page's PostgreSQL time), to keep the few hundred of one industry. These
-- rows keep it per deal and typical project, with the deal's account and stage beside
-- them, so the page reads the rows of the accounts it asks about (a few thousand rows in
-- the whole firm) instead.
--
-- Per deal, not summed per account: a write works its deal's rows out again from the
-- deal's proposals and project (sql/functions/white_space.sql), which stays exact however
-- proposals, lines, projects and phases are written, where per-account counts would each
-- need their own arithmetic. Purchases are rare (one deal in 400 here), so the rows of an
-- account are as few either way.
--
-- `delivered` rows are kept whatever the deal's stage, with the stage beside them: which
-- stages count as won is the stages' setting, read when white space is asked (as
-- sql/0043 does), and a deal's stage or account change only rewrites these two columns.
CREATE TABLE white_space_purchases (
    opportunity_id bigint NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    typical_project_id bigint NOT NULL REFERENCES typical_projects (id) ON DELETE CASCADE,
    -- The deal's, as it stands.
    account_id bigint NOT NULL,
    stage_key text NOT NULL,
    -- An accepted proposal of the deal has a line of this typical project.
    accepted boolean NOT NULL,
    -- The deal's project has a phase of it (a purchase while the deal's stage is won).
    delivered boolean NOT NULL,
    PRIMARY KEY (opportunity_id, typical_project_id)
);

-- An account's own rows (its family, when the page asks about a group of accounts).
CREATE INDEX white_space_purchases_account_idx ON white_space_purchases (account_id)
    INCLUDE (typical_project_id, stage_key, accepted, delivered);

-- As they stand. The same rule as public.white_space_purchases_refresh() in
-- sql/functions/white_space.sql (which runs after the numbered files), for every deal at once.
INSERT INTO white_space_purchases (opportunity_id, typical_project_id, account_id, stage_key, accepted, delivered)
SELECT o.id, b.typical_project_id, o.account_id, o.stage_key, bool_or(b.accepted), bool_or(NOT b.accepted)
FROM (
    SELECT p.opportunity_id, l.typical_project_id, true AS accepted
    FROM proposals p JOIN proposal_lines l ON l.proposal_id = p.id
    WHERE p.status = 'accepted' AND l.typical_project_id IS NOT NULL
    UNION ALL
    SELECT j.opportunity_id, ph.typical_project_id, false
    FROM projects j JOIN project_phases ph ON ph.project_id = j.id
    WHERE ph.typical_project_id IS NOT NULL
) b
JOIN opportunities o ON o.id = b.opportunity_id
GROUP BY o.id, b.typical_project_id;

ANALYZE white_space_purchases;

-- Firm-wide figures: white space reads them past the caller's scope (as the owner, after
-- the caller was shown the account) and only the triggers (SECURITY DEFINER) write them,
-- so members get nothing here.
REVOKE ALL ON white_space_purchases FROM baton_member;
