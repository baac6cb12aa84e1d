-- Totals the managers' reports read instead of a million opportunities: kept
-- current by triggers in the same transaction as every write, so a report is never
-- behind the pipeline it describes. Both tables hold sums of exactly the terms the
-- reports used to add up row by row; anything a setting can change afterwards (a
-- stage's probability or forecast category) stays out of them and is applied when
-- the report reads them.

-- Each team member's credit: amount × split, by the month of record (the day a deal
-- was won or lost, else its expected close date), stage, kind and category override.
CREATE TABLE opportunity_credit_totals (
    user_id bigint NOT NULL,
    month date NOT NULL,
    stage_key text NOT NULL,
    kind text NOT NULL,
    -- '' when the deal follows its stage's forecast category.
    category_override text NOT NULL,
    deals integer NOT NULL,
    amount numeric NOT NULL,
    -- The part of `amount` with no probability override, weighted by the stage's probability when read.
    amount_at_stage_probability numeric NOT NULL,
    -- The rest, already weighted by each deal's own probability.
    weighted_override numeric NOT NULL,
    PRIMARY KEY (month, user_id, stage_key, kind, category_override)
);

-- The whole firm's deals by stage and month of record, for the pipeline report.
CREATE TABLE opportunity_stage_totals (
    month date NOT NULL,
    stage_key text NOT NULL,
    deals integer NOT NULL,
    amount numeric NOT NULL,
    amount_at_stage_probability numeric NOT NULL,
    weighted_override numeric NOT NULL,
    -- Σ epoch seconds of stage_entered_at, for the average age in stage.
    entered_epoch_sum numeric NOT NULL,
    PRIMARY KEY (month, stage_key)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON opportunity_credit_totals, opportunity_stage_totals TO baton_member;

CREATE FUNCTION month_of_record(closed_on date, close_date date) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', coalesce(closed_on, close_date))::date
$$;

-- The statement that adds to the totals the rows of `source`: a query with a
-- `sign` column (1 to add, -1 to take away), the opportunity's columns, and for the
-- credit totals the team member's `user_id` and `split_percent`. The triggers run
-- it on their transition tables with EXECUTE. Keys are written in order, so that two
-- transactions touching the same totals lock them in the same order.
CREATE FUNCTION credit_totals_upsert(source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    SELECT format($q$
        INSERT INTO opportunity_credit_totals AS t
            (user_id, month, stage_key, kind, category_override, deals, amount, amount_at_stage_probability, weighted_override)
        SELECT d.user_id, month_of_record(d.closed_on, d.close_date), d.stage_key, d.kind, coalesce(d.forecast_category_override, ''),
               sum(d.sign), sum(d.sign * d.amount * d.split_percent / 100),
               coalesce(sum(d.sign * d.amount * d.split_percent / 100) FILTER (WHERE d.probability_override IS NULL), 0),
               coalesce(sum(d.sign * d.amount * d.split_percent / 100 * d.probability_override / 100)
                        FILTER (WHERE d.probability_override IS NOT NULL), 0)
        FROM (%s) d
        WHERE d.archived_at IS NULL
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 2, 1, 3, 4, 5
        ON CONFLICT (month, user_id, stage_key, kind, category_override) DO UPDATE SET
            deals = t.deals + excluded.deals,
            amount = t.amount + excluded.amount,
            amount_at_stage_probability = t.amount_at_stage_probability + excluded.amount_at_stage_probability,
            weighted_override = t.weighted_override + excluded.weighted_override
        $q$, source)
$f$;

CREATE FUNCTION stage_totals_upsert(source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    SELECT format($q$
        INSERT INTO opportunity_stage_totals AS t
            (month, stage_key, deals, amount, amount_at_stage_probability, weighted_override, entered_epoch_sum)
        SELECT month_of_record(d.closed_on, d.close_date), d.stage_key, sum(d.sign), sum(d.sign * d.amount),
               coalesce(sum(d.sign * d.amount) FILTER (WHERE d.probability_override IS NULL), 0),
               coalesce(sum(d.sign * d.amount * d.probability_override / 100) FILTER (WHERE d.probability_override IS NOT NULL), 0),
               sum(d.sign * extract(epoch FROM d.stage_entered_at))
        FROM (%s) d
        WHERE d.archived_at IS NULL
        GROUP BY 1, 2
        ORDER BY 1, 2
        ON CONFLICT (month, stage_key) DO UPDATE SET
            deals = t.deals + excluded.deals,
            amount = t.amount + excluded.amount,
            amount_at_stage_probability = t.amount_at_stage_probability + excluded.amount_at_stage_probability,
            weighted_override = t.weighted_override + excluded.weighted_override,
            entered_epoch_sum = t.entered_epoch_sum + excluded.entered_epoch_sum
        $q$, source)
$f$;

-- An opportunity changed: its old self leaves the totals and its new self enters,
-- credited to its team as the team is now. Updates that touch nothing the reports
-- read (a name, a next step) leave the totals alone.
CREATE FUNCTION opportunities_keep_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed constant text := '(o.stage_key, o.kind, o.amount, o.close_date, o.closed_on, o.probability_override,
        o.forecast_category_override, o.archived_at, o.stage_entered_at) IS DISTINCT FROM (n.stage_key, n.kind, n.amount,
        n.close_date, n.closed_on, n.probability_override, n.forecast_category_override, n.archived_at, n.stage_entered_at)';
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE stage_totals_upsert('SELECT 1 AS sign, * FROM new_rows');
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE stage_totals_upsert('SELECT -1 AS sign, * FROM old_rows');
    ELSE
        EXECUTE stage_totals_upsert(format(
            'SELECT -1 AS sign, o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %1$s
             UNION ALL SELECT 1, n.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %1$s', changed));
        EXECUTE credit_totals_upsert(format(
            'SELECT -1 AS sign, m.user_id, m.split_percent, o.* FROM old_rows o JOIN new_rows n ON n.id = o.id
                    JOIN opportunity_team m ON m.opportunity_id = o.id WHERE %1$s
             UNION ALL SELECT 1, m.user_id, m.split_percent, n.* FROM old_rows o JOIN new_rows n ON n.id = o.id
                    JOIN opportunity_team m ON m.opportunity_id = n.id WHERE %1$s', changed));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunities_totals_insert AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunities_keep_totals();
CREATE TRIGGER opportunities_totals_update AFTER UPDATE ON opportunities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunities_keep_totals();
CREATE TRIGGER opportunities_totals_delete AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunities_keep_totals();

-- A team changed: old rows leave and new rows enter, against the opportunity as it is now.
CREATE FUNCTION opportunity_team_keep_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    added constant text := 'SELECT 1 AS sign, m.user_id, m.split_percent, o.* FROM new_rows m JOIN opportunities o ON o.id = m.opportunity_id';
    removed constant text := 'SELECT -1 AS sign, m.user_id, m.split_percent, o.* FROM old_rows m JOIN opportunities o ON o.id = m.opportunity_id';
BEGIN
    EXECUTE credit_totals_upsert(CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed
                                            ELSE removed || ' UNION ALL ' || added END);
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunity_team_totals_insert AFTER INSERT ON opportunity_team
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_team_keep_totals();
CREATE TRIGGER opportunity_team_totals_update AFTER UPDATE ON opportunity_team
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_team_keep_totals();
CREATE TRIGGER opportunity_team_totals_delete AFTER DELETE ON opportunity_team
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_team_keep_totals();

-- Deleting an opportunity takes its team first, while the opportunity is still
-- there for the team's totals to be taken away against.
CREATE FUNCTION opportunities_release_team() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM opportunity_team WHERE opportunity_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER opportunities_release_team BEFORE DELETE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION opportunities_release_team();

-- The totals of what is already there.
DO $$
BEGIN
    EXECUTE stage_totals_upsert('SELECT 1 AS sign, * FROM opportunities');
    EXECUTE credit_totals_upsert(
        'SELECT 1 AS sign, m.user_id, m.split_percent, o.* FROM opportunity_team m JOIN opportunities o ON o.id = m.opportunity_id');
END
$$;
