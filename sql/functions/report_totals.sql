-- The totals the reports read, kept by statement-level triggers in the same transaction as
-- every opportunity and team write (docs/performance.md), and the per-account team counts
-- that visibility reads. Each total is spread over 16 slots, one per writing session's
-- backend (sql/0028): concurrent creates add to different rows instead of queueing on one.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

CREATE OR REPLACE FUNCTION public.month_of_record(closed_on date, close_date date) RETURNS date
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT date_trunc('month', coalesce(closed_on, close_date))::date
$$;

CREATE OR REPLACE FUNCTION public.credit_totals_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        INSERT INTO opportunity_credit_totals AS t
            (user_id, month, stage_key, kind, category_override, deals, amount, amount_at_stage_probability, weighted_override, slot)
        SELECT d.user_id, month_of_record(d.closed_on, d.close_date), d.stage_key, d.kind, coalesce(d.forecast_category_override, ''),
               sum(d.sign), sum(d.sign * d.amount * d.split_percent / 100),
               coalesce(sum(d.sign * d.amount * d.split_percent / 100) FILTER (WHERE d.probability_override IS NULL), 0),
               coalesce(sum(d.sign * d.amount * d.split_percent / 100 * d.probability_override / 100)
                        FILTER (WHERE d.probability_override IS NOT NULL), 0),
               pg_backend_pid() %% 16
        FROM (%s) d
        WHERE d.archived_at IS NULL
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 2, 1, 3, 4, 5
        ON CONFLICT (month, user_id, stage_key, kind, category_override, slot) DO UPDATE SET
            deals = t.deals + excluded.deals,
            amount = t.amount + excluded.amount,
            amount_at_stage_probability = t.amount_at_stage_probability + excluded.amount_at_stage_probability,
            weighted_override = t.weighted_override + excluded.weighted_override
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.stage_totals_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        INSERT INTO opportunity_stage_totals AS t
            (month, stage_key, owner_id, deals, amount, amount_at_stage_probability, weighted_override, entered_epoch_sum, slot)
        SELECT month_of_record(d.closed_on, d.close_date), d.stage_key, d.owner_id, sum(d.sign), sum(d.sign * d.amount),
               coalesce(sum(d.sign * d.amount) FILTER (WHERE d.probability_override IS NULL), 0),
               coalesce(sum(d.sign * d.amount * d.probability_override / 100) FILTER (WHERE d.probability_override IS NOT NULL), 0),
               sum(d.sign * extract(epoch FROM d.stage_entered_at)), pg_backend_pid() %% 16
        FROM (%s) d
        WHERE d.archived_at IS NULL
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (month, stage_key, owner_id, slot) DO UPDATE SET
            deals = t.deals + excluded.deals,
            amount = t.amount + excluded.amount,
            amount_at_stage_probability = t.amount_at_stage_probability + excluded.amount_at_stage_probability,
            weighted_override = t.weighted_override + excluded.weighted_override,
            entered_epoch_sum = t.entered_epoch_sum + excluded.entered_epoch_sum
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.account_team_members_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        INSERT INTO account_team_members AS m (user_id, account_id, opportunities)
        SELECT d.user_id, d.account_id, sum(d.sign) FROM (%s) d
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (user_id, account_id) DO UPDATE SET opportunities = m.opportunities + excluded.opportunities
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.opportunities_keep_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
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
$_$;

CREATE OR REPLACE FUNCTION public.opportunity_team_keep_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    added constant text := 'SELECT 1 AS sign, m.user_id, m.split_percent, o.* FROM new_rows m JOIN opportunities o ON o.id = m.opportunity_id';
    removed constant text := 'SELECT -1 AS sign, m.user_id, m.split_percent, o.* FROM old_rows m JOIN opportunities o ON o.id = m.opportunity_id';
BEGIN
    EXECUTE credit_totals_upsert(CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed
                                            ELSE removed || ' UNION ALL ' || added END);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.opportunities_keep_members() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    EXECUTE account_team_members_upsert(
        'SELECT -1 AS sign, m.user_id, o.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN opportunity_team m ON m.opportunity_id = o.id WHERE o.account_id <> n.account_id
         UNION ALL SELECT 1, m.user_id, n.account_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                JOIN opportunity_team m ON m.opportunity_id = n.id WHERE o.account_id <> n.account_id');
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.opportunity_team_keep_members() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    added constant text := 'SELECT 1 AS sign, m.user_id, o.account_id FROM new_rows m JOIN opportunities o ON o.id = m.opportunity_id';
    removed constant text := 'SELECT -1 AS sign, m.user_id, o.account_id FROM old_rows m JOIN opportunities o ON o.id = m.opportunity_id';
BEGIN
    EXECUTE account_team_members_upsert(CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed
                                                   ELSE removed || ' UNION ALL ' || added END);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.opportunities_release_team() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM opportunity_team WHERE opportunity_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE OR REPLACE TRIGGER opportunities_totals_insert AFTER INSERT ON public.opportunities REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_totals();

CREATE OR REPLACE TRIGGER opportunities_totals_update AFTER UPDATE ON public.opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_totals();

CREATE OR REPLACE TRIGGER opportunities_totals_delete AFTER DELETE ON public.opportunities REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_totals();

CREATE OR REPLACE TRIGGER opportunity_team_totals_insert AFTER INSERT ON public.opportunity_team REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunity_team_keep_totals();

CREATE OR REPLACE TRIGGER opportunity_team_totals_update AFTER UPDATE ON public.opportunity_team REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunity_team_keep_totals();

CREATE OR REPLACE TRIGGER opportunity_team_totals_delete AFTER DELETE ON public.opportunity_team REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunity_team_keep_totals();

CREATE OR REPLACE TRIGGER opportunities_members_update AFTER UPDATE ON public.opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunities_keep_members();

CREATE OR REPLACE TRIGGER opportunity_team_members_insert AFTER INSERT ON public.opportunity_team REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunity_team_keep_members();

CREATE OR REPLACE TRIGGER opportunity_team_members_update AFTER UPDATE ON public.opportunity_team REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunity_team_keep_members();

CREATE OR REPLACE TRIGGER opportunity_team_members_delete AFTER DELETE ON public.opportunity_team REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opportunity_team_keep_members();

CREATE OR REPLACE TRIGGER opportunities_release_team BEFORE DELETE ON public.opportunities FOR EACH ROW EXECUTE FUNCTION public.opportunities_release_team();

-- Approved time per day, project, phase and person (sql/0045), beside time.sql's months:
-- the profitability report reads whole months from those and the days of a partial
-- month at either end from these. Summed per day before the rate is looked up (one rate
-- holds for a person's whole day, so Σ hours × rate is exact). `source` is a query of
-- entries with a `sign` column: +1 for rows to add, -1 for rows to take away.
CREATE OR REPLACE FUNCTION public.time_day_totals_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        INSERT INTO time_day_totals AS t (day, project_id, phase_id, user_id, hours, cost, unrated_hours)
        SELECT g.day, g.project_id, g.phase_id, g.user_id, g.hours, g.hours * coalesce(r.hourly, 0),
               CASE WHEN r.hourly IS NULL THEN g.hours ELSE 0 END
        FROM (SELECT d.day, coalesce(d.project_id, 0) AS project_id, coalesce(d.phase_id, 0) AS phase_id, d.user_id,
                     sum(d.sign * d.hours) AS hours
              FROM (%s) d WHERE d.status = 'approved' GROUP BY 1, 2, 3, 4
              -- An update that changed nothing the totals count (a note) adds nothing and locks no row.
              HAVING sum(d.sign * d.hours) <> 0) g
        LEFT JOIN LATERAL (SELECT c.hourly FROM cost_rates c WHERE c.user_id = g.user_id AND c.effective_from <= g.day
                           ORDER BY c.effective_from DESC LIMIT 1) r ON true
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, project_id, phase_id, user_id) DO UPDATE SET
            hours = t.hours + excluded.hours,
            cost = t.cost + excluded.cost,
            unrated_hours = t.unrated_hours + excluded.unrated_hours
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.time_entries_keep_day_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    EXECUTE time_day_totals_upsert(CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT e.*, 1 AS sign FROM new_rows e'
        WHEN 'DELETE' THEN 'SELECT e.*, -1 AS sign FROM old_rows e'
        ELSE 'SELECT e.*, 1 AS sign FROM new_rows e UNION ALL SELECT e.*, -1 AS sign FROM old_rows e' END);
    RETURN NULL;
END
$$;

-- A rate added, changed or removed: the person's days from its effective day on are
-- summed again from their entries at the rates that now apply.
CREATE OR REPLACE FUNCTION public.cost_rates_keep_day_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    changed text := format(
        'SELECT user_id, min(effective_from) AS since FROM (%s) r GROUP BY 1',
        CASE TG_OP
            WHEN 'INSERT' THEN 'SELECT user_id, effective_from FROM new_rows'
            WHEN 'DELETE' THEN 'SELECT user_id, effective_from FROM old_rows'
            ELSE 'SELECT user_id, effective_from FROM new_rows UNION ALL SELECT user_id, effective_from FROM old_rows' END);
BEGIN
    EXECUTE format('DELETE FROM time_day_totals t USING (%s) c WHERE t.user_id = c.user_id AND t.day >= c.since', changed);
    EXECUTE time_day_totals_upsert(format(
        'SELECT e.*, 1 AS sign FROM time_entries e JOIN (%s) c ON c.user_id = e.user_id AND e.day >= c.since', changed));
    RETURN NULL;
END
$$;

-- All of it again from the entries: after a bulk load with the triggers off (the benchmark's).
CREATE OR REPLACE FUNCTION public.rebuild_time_day_totals() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    DELETE FROM time_day_totals;
    EXECUTE time_day_totals_upsert('SELECT e.*, 1 AS sign FROM time_entries e');
END
$$;

CREATE OR REPLACE TRIGGER time_entries_day_totals_insert AFTER INSERT ON public.time_entries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_day_totals();

CREATE OR REPLACE TRIGGER time_entries_day_totals_update AFTER UPDATE ON public.time_entries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_day_totals();

CREATE OR REPLACE TRIGGER time_entries_day_totals_delete AFTER DELETE ON public.time_entries REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_day_totals();

CREATE OR REPLACE TRIGGER cost_rates_day_totals_insert AFTER INSERT ON public.cost_rates REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.cost_rates_keep_day_totals();

CREATE OR REPLACE TRIGGER cost_rates_day_totals_update AFTER UPDATE ON public.cost_rates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.cost_rates_keep_day_totals();

CREATE OR REPLACE TRIGGER cost_rates_day_totals_delete AFTER DELETE ON public.cost_rates REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.cost_rates_keep_day_totals();
