-- How an import row's reference finds its record: baton:<id> names that record only,
-- anything else is an external id.
--
-- A repeatable file: the current definition of each function and trigger here, applied
-- again (with every file in this folder) whenever one of them changes. Tables change only
-- in the numbered migrations.

CREATE OR REPLACE FUNCTION public.resolve_account(ref text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $_$
    SELECT CASE WHEN ref ~ '^baton:[0-9]{1,18}$' THEN (SELECT id FROM accounts WHERE id = substr(ref, 7)::bigint)
                ELSE (SELECT id FROM accounts WHERE external_id = ref) END
$_$;

CREATE OR REPLACE FUNCTION public.resolve_contact(ref text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $_$
    SELECT CASE WHEN ref ~ '^baton:[0-9]{1,18}$' THEN (SELECT id FROM contacts WHERE id = substr(ref, 7)::bigint)
                ELSE (SELECT id FROM contacts WHERE external_id = ref) END
$_$;

CREATE OR REPLACE FUNCTION public.resolve_opportunity(ref text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $_$
    SELECT CASE WHEN ref ~ '^baton:[0-9]{1,18}$' THEN (SELECT id FROM opportunities WHERE id = substr(ref, 7)::bigint)
                ELSE (SELECT id FROM opportunities WHERE external_id = ref) END
$_$;

-- The key an account's name is matched by when an import row has neither a known id
-- nor a domain: lower case, letters and digits only ("Orca Marine Group, Inc." and
-- "orca marine group inc" are one).
CREATE OR REPLACE FUNCTION public.account_name_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $_$
    SELECT regexp_replace(lower(name), '[^[:alnum:]]+', '', 'g')
$_$;
