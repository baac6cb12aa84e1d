-- Two findings of the benchmark (bench/, docs/performance.md):
--
-- 1. Every new deal added to one firm-wide row of `opportunity_stage_totals` (its
--    month and stage), so concurrent creates waited for each other's commit on that
--    row. The totals are now kept per owner as well: people creating deals at the
--    same time touch different rows; the pipeline report adds the owners up.
-- 2. The sales-performance report read every deal closed in its range from the
--    table's pages, scattered over the heap. A covering index on the date of record
--    answers it from the index alone.

ALTER TABLE opportunity_stage_totals ADD COLUMN owner_id bigint NOT NULL DEFAULT 0;
ALTER TABLE opportunity_stage_totals DROP CONSTRAINT opportunity_stage_totals_pkey;
TRUNCATE opportunity_stage_totals;
ALTER TABLE opportunity_stage_totals ADD PRIMARY KEY (month, stage_key, owner_id);

CREATE OR REPLACE FUNCTION stage_totals_upsert(source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    SELECT format($q$
        INSERT INTO opportunity_stage_totals AS t
            (month, stage_key, owner_id, deals, amount, amount_at_stage_probability, weighted_override, entered_epoch_sum)
        SELECT month_of_record(d.closed_on, d.close_date), d.stage_key, d.owner_id, sum(d.sign), sum(d.sign * d.amount),
               coalesce(sum(d.sign * d.amount) FILTER (WHERE d.probability_override IS NULL), 0),
               coalesce(sum(d.sign * d.amount * d.probability_override / 100) FILTER (WHERE d.probability_override IS NOT NULL), 0),
               sum(d.sign * extract(epoch FROM d.stage_entered_at))
        FROM (%s) d
        WHERE d.archived_at IS NULL
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (month, stage_key, owner_id) DO UPDATE SET
            deals = t.deals + excluded.deals,
            amount = t.amount + excluded.amount,
            amount_at_stage_probability = t.amount_at_stage_probability + excluded.amount_at_stage_probability,
            weighted_override = t.weighted_override + excluded.weighted_override,
            entered_epoch_sum = t.entered_epoch_sum + excluded.entered_epoch_sum
        $q$, source)
$f$;

-- As in 0013, with the owner among the columns whose change moves a deal's totals.
CREATE OR REPLACE FUNCTION opportunities_keep_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed constant text := '(o.stage_key, o.kind, o.amount, o.close_date, o.closed_on, o.probability_override,
        o.forecast_category_override, o.archived_at, o.stage_entered_at, o.owner_id) IS DISTINCT FROM (n.stage_key, n.kind,
        n.amount, n.close_date, n.closed_on, n.probability_override, n.forecast_category_override, n.archived_at,
        n.stage_entered_at, n.owner_id)';
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

DO $$
BEGIN
    EXECUTE stage_totals_upsert('SELECT 1 AS sign, * FROM opportunities');
END
$$;

DROP INDEX opportunities_closed_on_idx;
CREATE INDEX opportunities_closed_on_idx ON opportunities (closed_on)
    INCLUDE (id, owner_id, account_id, stage_key, amount, created_at, archived_at) WHERE closed_on IS NOT NULL;
