-- `baton:<id>` is how Baton's own export names a record without an external id,
-- so that the export imports back as updates (issue 14, item 9). Such ids are
-- Baton's: a record that carried `baton:42` as its external id was taken for
-- record 42 by the next import, since `resolve_*` tried the external id first.

-- A `baton:<id>` reference now names record <id> and nothing else.
CREATE OR REPLACE FUNCTION resolve_account(ref text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN ref ~ '^baton:[0-9]{1,18}$' THEN (SELECT id FROM accounts WHERE id = substr(ref, 7)::bigint)
                ELSE (SELECT id FROM accounts WHERE external_id = ref) END
$$;

CREATE OR REPLACE FUNCTION resolve_contact(ref text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN ref ~ '^baton:[0-9]{1,18}$' THEN (SELECT id FROM contacts WHERE id = substr(ref, 7)::bigint)
                ELSE (SELECT id FROM contacts WHERE external_id = ref) END
$$;

CREATE OR REPLACE FUNCTION resolve_opportunity(ref text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN ref ~ '^baton:[0-9]{1,18}$' THEN (SELECT id FROM opportunities WHERE id = substr(ref, 7)::bigint)
                ELSE (SELECT id FROM opportunities WHERE external_id = ref) END
$$;

-- Ids already taken in the reserved namespace (by an impostor, or by an export of
-- another Baton imported as new records) are taken back, each with an audit entry
-- keeping the old value, so that the constraint below holds for every row.
INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
SELECT NULL, 'account', id, 'update', jsonb_build_object('external_id', jsonb_build_object('old', external_id, 'new', NULL))
FROM accounts WHERE external_id ~* '^\s*baton:';
UPDATE accounts SET external_id = NULL, version = version + 1, updated_at = now() WHERE external_id ~* '^\s*baton:';

INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
SELECT NULL, 'contact', id, 'update', jsonb_build_object('external_id', jsonb_build_object('old', external_id, 'new', NULL))
FROM contacts WHERE external_id ~* '^\s*baton:';
UPDATE contacts SET external_id = NULL, version = version + 1, updated_at = now() WHERE external_id ~* '^\s*baton:';

INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
SELECT NULL, 'opportunity', id, 'update', jsonb_build_object('external_id', jsonb_build_object('old', external_id, 'new', NULL))
FROM opportunities WHERE external_id ~* '^\s*baton:';
UPDATE opportunities SET external_id = NULL, version = version + 1, updated_at = now() WHERE external_id ~* '^\s*baton:';

-- Whatever the code does, no record takes a reserved id again.
ALTER TABLE accounts ADD CONSTRAINT accounts_external_id_not_reserved CHECK (external_id !~* '^\s*baton:');
ALTER TABLE contacts ADD CONSTRAINT contacts_external_id_not_reserved CHECK (external_id !~* '^\s*baton:');
ALTER TABLE opportunities ADD CONSTRAINT opportunities_external_id_not_reserved CHECK (external_id !~* '^\s*baton:');
