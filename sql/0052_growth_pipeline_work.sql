-- The pipeline's likely work, kept (issue 21, tenth stop).
--
-- The growth report weighs each open deal's latest proposal's templates by the deal's
-- probability. Computed on every request it looked up about 4,700 deals, their latest
-- proposals and lines at a million deals (81 ms median in PostgreSQL, two thirds of the
-- report). These rows keep what it needs per open, unarchived deal and typical project of
-- its latest live (not superseded) proposal: the units (a fixed line's quantity, else 1),
-- the proposal's start and the deal's close date (the work starts at the first, else the
-- second), and the deal's stage and own probability. Triggers on proposals, their lines
-- and the deals keep them in the writing transaction (sql/functions/growth.sql); the
-- stage's probability, the templates' phases and skills are read when the report asks, so
-- changing those needs nothing here.
CREATE TABLE growth_pipeline_work (
    opportunity_id bigint NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    typical_project_id bigint NOT NULL REFERENCES typical_projects (id) ON DELETE CASCADE,
    units numeric NOT NULL,
    proposed_start date,
    close_date date NOT NULL,
    stage_key text NOT NULL,
    probability_override numeric(5, 2),
    PRIMARY KEY (opportunity_id, typical_project_id)
);

-- As they stand. The same rule as public.growth_pipeline_refresh() in
-- sql/functions/growth.sql (which runs after the numbered files), for every deal at once.
INSERT INTO growth_pipeline_work (opportunity_id, typical_project_id, units, proposed_start, close_date, stage_key, probability_override)
SELECT o.id, l.typical_project_id, sum(CASE WHEN l.unit = 'fixed' THEN l.quantity ELSE 1 END),
       p.proposed_start, o.close_date, o.stage_key, o.probability_override
FROM (SELECT DISTINCT ON (opportunity_id) id, opportunity_id, proposed_start FROM proposals
      WHERE status <> 'superseded' ORDER BY opportunity_id, number DESC) p
JOIN opportunities o ON o.id = p.opportunity_id AND o.is_open AND o.archived_at IS NULL
JOIN proposal_lines l ON l.proposal_id = p.id AND l.typical_project_id IS NOT NULL
GROUP BY o.id, l.typical_project_id, p.proposed_start;

ANALYZE growth_pipeline_work;

-- Firm-wide figures: the report reads them past the caller's scope (as the owner) and
-- only the triggers (SECURITY DEFINER) write them, so members get nothing here.
REVOKE ALL ON growth_pipeline_work FROM baton_member;
