-- Submitted time entries per person and project (sql/0050), kept in the same transaction
-- as every entry write: home's "N submitted time entries wait for your decision" sums
-- these rows instead of counting the entries.

-- `source` is a query of entries with a `sign` column: +1 for rows to add, -1 for rows
-- to take away. Only submitted ones count; an update that left them submitted (or not)
-- nets 0 and touches no row. Rows are taken in key order, so two writers never wait on
-- each other in a circle.
CREATE OR REPLACE FUNCTION public.time_waiting_upsert(source text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT format($q$
        INSERT INTO time_waiting_totals AS t (user_id, project_id, entries)
        SELECT d.user_id, coalesce(d.project_id, 0), sum(d.sign)
        FROM (%s) d
        WHERE d.status = 'submitted'
        GROUP BY 1, 2
        HAVING sum(d.sign) <> 0
        ORDER BY 1, 2
        ON CONFLICT (user_id, project_id) DO UPDATE SET entries = t.entries + excluded.entries
        $q$, source)
$_$;

CREATE OR REPLACE FUNCTION public.time_entries_keep_waiting() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    EXECUTE time_waiting_upsert(CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT e.user_id, e.project_id, e.status, 1 AS sign FROM new_rows e'
        WHEN 'DELETE' THEN 'SELECT e.user_id, e.project_id, e.status, -1 AS sign FROM old_rows e'
        ELSE 'SELECT e.user_id, e.project_id, e.status, 1 AS sign FROM new_rows e
              UNION ALL SELECT e.user_id, e.project_id, e.status, -1 AS sign FROM old_rows e' END);
    RETURN NULL;
END
$$;

-- All of it again from the entries: after a bulk load with the triggers off (the benchmark's).
CREATE OR REPLACE FUNCTION public.rebuild_time_waiting_totals() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    DELETE FROM time_waiting_totals;
    EXECUTE time_waiting_upsert('SELECT e.user_id, e.project_id, e.status, 1 AS sign FROM time_entries e');
END
$$;

CREATE OR REPLACE TRIGGER time_entries_waiting_insert AFTER INSERT ON public.time_entries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_waiting();

CREATE OR REPLACE TRIGGER time_entries_waiting_update AFTER UPDATE ON public.time_entries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_waiting();

CREATE OR REPLACE TRIGGER time_entries_waiting_delete AFTER DELETE ON public.time_entries REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.time_entries_keep_waiting();
