-- Accounts (client companies), the people there, and what was done with them.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    domain text CHECK (length(domain) <= 253),
    industry text CHECK (length(industry) <= 100),
    owner_id bigint REFERENCES users (id),
    parent_id bigint REFERENCES accounts (id) CHECK (parent_id <> id),
    status text NOT NULL DEFAULT 'prospect' CHECK (status IN ('prospect', 'active', 'former')),
    street text CHECK (length(street) <= 500),
    city text CHECK (length(city) <= 100),
    region text CHECK (length(region) <= 100),
    postal_code text CHECK (length(postal_code) <= 20),
    country text CHECK (length(country) <= 100),
    external_id text UNIQUE CHECK (length(external_id) <= 255),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_owner_idx ON accounts (owner_id);
CREATE INDEX accounts_parent_idx ON accounts (parent_id);
CREATE INDEX accounts_name_idx ON accounts (lower(name), id);
CREATE INDEX accounts_updated_idx ON accounts (updated_at DESC, id DESC);
-- Substring search on name and domain, whatever the case.
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (name gin_trgm_ops);
CREATE INDEX accounts_domain_trgm_idx ON accounts USING gin (domain gin_trgm_ops);

-- An account hierarchy must not loop.
CREATE FUNCTION accounts_refuse_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up(id, depth) AS (
            SELECT NEW.parent_id, 1
            UNION
            SELECT a.parent_id, up.depth + 1 FROM accounts a JOIN up ON a.id = up.id
            WHERE a.parent_id IS NOT NULL AND up.depth < 1000
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'an account hierarchy cannot loop' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'accounts_parent_cycle';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_refuse_cycle BEFORE INSERT OR UPDATE OF parent_id ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_cycle();

CREATE TABLE contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    account_id bigint NOT NULL REFERENCES accounts (id),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email text CHECK (length(email) <= 254),
    phone text CHECK (length(phone) <= 50),
    title text CHECK (length(title) <= 200),
    buying_role text CHECK (buying_role IN ('decision_maker', 'influencer', 'technical', 'billing', 'other')),
    do_not_contact boolean NOT NULL DEFAULT false,
    external_id text UNIQUE CHECK (length(external_id) <= 255),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_account_idx ON contacts (account_id, lower(name), id);
-- One person per email at an account.
CREATE UNIQUE INDEX contacts_account_email_key ON contacts (account_id, lower(email))
    WHERE email IS NOT NULL AND archived_at IS NULL;
CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (name gin_trgm_ops);
