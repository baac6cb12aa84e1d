-- The audit trail: what changed between two snapshots, and a trail that only grows.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

-- Bookkeeping columns are left out, and so is a deal's is_open (sql/0044): it follows
-- from the stage, whose change the entry already says.
CREATE OR REPLACE FUNCTION public.audit_diff(old_row jsonb, new_row jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', o.value, 'new', n.value)), '{}')
    FROM jsonb_each(new_row) n
    LEFT JOIN jsonb_each(coalesce(old_row, '{}')) o ON o.key = n.key
    WHERE n.key NOT IN ('id', 'version', 'created_at', 'updated_at', 'stage_entered_at', 'is_open')
      AND o.value IS DISTINCT FROM n.value
$$;

CREATE OR REPLACE FUNCTION public.audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be changed' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_append_only();

CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_append_only();
