-- Imports: finding the record a file's id refers to, and recording in the audit
-- trail what a set-based import changed.

-- A file's id for a record: its external id, or `baton:<id>` as our own export
-- writes for records that never had one.
CREATE FUNCTION resolve_account(ref text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT id FROM accounts WHERE external_id = ref),
        (SELECT id FROM accounts WHERE ref ~ '^baton:[0-9]{1,18}$' AND id = substr(ref, 7)::bigint))
$$;

CREATE FUNCTION resolve_contact(ref text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT id FROM contacts WHERE external_id = ref),
        (SELECT id FROM contacts WHERE ref ~ '^baton:[0-9]{1,18}$' AND id = substr(ref, 7)::bigint))
$$;

CREATE FUNCTION resolve_opportunity(ref text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT id FROM opportunities WHERE external_id = ref),
        (SELECT id FROM opportunities WHERE ref ~ '^baton:[0-9]{1,18}$' AND id = substr(ref, 7)::bigint))
$$;

-- The fields that differ between two versions of a row, as the audit trail
-- writes them: {"field": {"old": …, "new": …}}. Bookkeeping columns are left out.
CREATE FUNCTION audit_diff(old_row jsonb, new_row jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', o.value, 'new', n.value)), '{}')
    FROM jsonb_each(new_row) n
    LEFT JOIN jsonb_each(coalesce(old_row, '{}')) o ON o.key = n.key
    WHERE n.key NOT IN ('id', 'version', 'created_at', 'updated_at', 'stage_entered_at')
      AND o.value IS DISTINCT FROM n.value
$$;
