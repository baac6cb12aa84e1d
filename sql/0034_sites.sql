-- Client sites and travel (issue 24): where people are expected to show up, and
-- how long it takes to get there.
--
-- A site belongs to an account (a client's office, plant, data centre) or, with no
-- account, to the firm itself (an office, a person's home base). Coordinates are
-- entered or imported; no map service is asked.
CREATE TABLE sites (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    account_id bigint REFERENCES accounts (id),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    address text CHECK (length(address) <= 500),
    -- An IANA zone name ("Europe/Brussels"); checked by the action against the zones the server knows.
    time_zone text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
    latitude numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
    -- Badge desk, parking, door codes: shown only to the people assigned there.
    access_notes text CHECK (length(access_notes) <= 2000),
    -- The account's main site: where its projects and assignments are when they name none.
    is_main boolean NOT NULL DEFAULT false,
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK (NOT is_main OR account_id IS NOT NULL)
);
CREATE INDEX sites_account_idx ON sites (account_id);
CREATE UNIQUE INDEX sites_one_main_key ON sites (account_id) WHERE is_main AND archived_at IS NULL;

-- The firm's travel times between two places, either direction: an entry wins over
-- the estimate from coordinates. One row per pair, the smaller id first.
CREATE TABLE travel_times (
    from_site_id bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    to_site_id bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    minutes integer NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (from_site_id, to_site_id),
    CHECK (from_site_id < to_site_id)
);
CREATE INDEX travel_times_to_idx ON travel_times (to_site_id);

ALTER TABLE projects ADD COLUMN site_id bigint REFERENCES sites (id);
ALTER TABLE assignments ADD COLUMN site_id bigint REFERENCES sites (id);
CREATE INDEX assignments_site_idx ON assignments (site_id);
ALTER TABLE users ADD COLUMN home_site_id bigint REFERENCES sites (id) ON DELETE SET NULL;
