-- The pipeline's likely work for the growth report (issue 21, tenth stop), kept in
-- `growth_pipeline_work` (sql/0052) by the transaction of every write that changes it: a
-- proposal added, renumbered, moved to another status or start, or removed; a proposal's
-- line added, edited or removed; a deal's stage, own probability, close date or archiving
-- changed, or the deal deleted (its rows go with it, ON DELETE CASCADE).
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

-- The rows of `deals` worked out again from the deals, proposals and lines as they stand:
-- per open, unarchived deal, the typical projects of its latest proposal that is not
-- superseded (the highest number; a declined or expired one still counts, as it did when
-- the report computed it), their units added up (a fixed line's quantity, else 1).
-- The deals' rows are locked first (NO KEY UPDATE: foreign key checks are not blocked),
-- so that two transactions writing to one deal's proposals take turns here instead of
-- each deleting what it sees and inserting the same keys.
CREATE OR REPLACE FUNCTION public.growth_pipeline_refresh(deals bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF cardinality(deals) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM opportunities WHERE id = ANY (deals) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM growth_pipeline_work WHERE opportunity_id = ANY (deals);
    INSERT INTO growth_pipeline_work (opportunity_id, typical_project_id, units, proposed_start, close_date, stage_key,
                                      probability_override)
    SELECT o.id, l.typical_project_id, sum(CASE WHEN l.unit = 'fixed' THEN l.quantity ELSE 1 END),
           p.proposed_start, o.close_date, o.stage_key, o.probability_override
    FROM opportunities o
    CROSS JOIN LATERAL (SELECT q.id, q.proposed_start FROM proposals q
                        WHERE q.opportunity_id = o.id AND q.status <> 'superseded'
                        ORDER BY q.number DESC LIMIT 1) p
    JOIN proposal_lines l ON l.proposal_id = p.id AND l.typical_project_id IS NOT NULL
    WHERE o.id = ANY (deals) AND o.is_open AND o.archived_at IS NULL
    GROUP BY o.id, l.typical_project_id, p.proposed_start;
END
$$;

CREATE OR REPLACE FUNCTION public.proposals_keep_growth_work() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM growth_pipeline_refresh(ARRAY(SELECT DISTINCT opportunity_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM growth_pipeline_refresh(ARRAY(SELECT DISTINCT opportunity_id FROM old_rows));
    ELSE
        -- Only what decides the latest proposal and its start; a total or a reviewer changes nothing here.
        PERFORM growth_pipeline_refresh(ARRAY(
            SELECT DISTINCT unnest(ARRAY[o.opportunity_id, n.opportunity_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.opportunity_id, o.number, o.status = 'superseded', o.proposed_start)
                  IS DISTINCT FROM (n.opportunity_id, n.number, n.status = 'superseded', n.proposed_start)));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER proposals_growth_work_insert AFTER INSERT ON public.proposals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.proposals_keep_growth_work();

CREATE OR REPLACE TRIGGER proposals_growth_work_update AFTER UPDATE ON public.proposals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.proposals_keep_growth_work();

CREATE OR REPLACE TRIGGER proposals_growth_work_delete AFTER DELETE ON public.proposals REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.proposals_keep_growth_work();

-- A line's proposal's deal. A line deleted with its proposal finds no proposal here; the
-- proposal's own trigger works that deal out again.
CREATE OR REPLACE FUNCTION public.proposal_lines_keep_growth_work() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM growth_pipeline_refresh(ARRAY(
            SELECT DISTINCT p.opportunity_id FROM proposals p WHERE p.id IN (SELECT proposal_id FROM new_rows)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM growth_pipeline_refresh(ARRAY(
            SELECT DISTINCT p.opportunity_id FROM proposals p WHERE p.id IN (SELECT proposal_id FROM old_rows)));
    ELSE
        -- Only what the rows are made of; a price or a description changes nothing here.
        PERFORM growth_pipeline_refresh(ARRAY(
            SELECT DISTINCT p.opportunity_id FROM proposals p
            WHERE p.id IN (SELECT unnest(ARRAY[o.proposal_id, n.proposal_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
                           WHERE (o.proposal_id, o.typical_project_id, o.unit, o.quantity)
                                 IS DISTINCT FROM (n.proposal_id, n.typical_project_id, n.unit, n.quantity))));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER proposal_lines_growth_work_insert AFTER INSERT ON public.proposal_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.proposal_lines_keep_growth_work();

CREATE OR REPLACE TRIGGER proposal_lines_growth_work_update AFTER UPDATE ON public.proposal_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.proposal_lines_keep_growth_work();

CREATE OR REPLACE TRIGGER proposal_lines_growth_work_delete AFTER DELETE ON public.proposal_lines REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.proposal_lines_keep_growth_work();

-- A deal's own columns that the rows carry or that decide whether it has any. A new deal
-- has no proposal yet; a deleted one's rows go by the foreign key. Deals without
-- proposals (most of an import's) are left out before anything is locked.
CREATE OR REPLACE FUNCTION public.opportunities_keep_growth_work() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM growth_pipeline_refresh(ARRAY(
        SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.stage_key, o.is_open, o.archived_at IS NULL, o.close_date, o.probability_override)
              IS DISTINCT FROM (n.stage_key, n.is_open, n.archived_at IS NULL, n.close_date, n.probability_override)
          AND EXISTS (SELECT FROM proposals p WHERE p.opportunity_id = n.id)
        ORDER BY 1));
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER opportunities_growth_work_update AFTER UPDATE ON public.opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_growth_work();
