-- The firm's settings (issue 24): one row, kept by admins, read by everyone signed in.
-- Before this, the firm's time zone, the travel rules and how early a renewal is
-- raised were constants in the code; each is now the firm's to choose. The defaults
-- are those constants (BatonCore's TravelRules.standard, FirmSettings.standard), so
-- nothing changes until an admin changes it.
CREATE TABLE firm_settings (
    -- Always true: the table holds one row, and a second cannot be inserted.
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version integer NOT NULL DEFAULT 1,
    -- An IANA zone name ("Europe/Brussels"): the zone the pages show times in. The
    -- action checks it against the zones the server knows.
    time_zone text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
    -- Travel estimates from coordinates: the great-circle distance at this speed.
    average_speed_kmh integer NOT NULL DEFAULT 60 CHECK (average_speed_kmh BETWEEN 1 AND 1000),
    -- Two sites on one person's day farther apart than this are flagged.
    farthest_apart_km integer NOT NULL DEFAULT 100 CHECK (farthest_apart_km BETWEEN 1 AND 20000),
    -- Estimates are rounded up to this many minutes: an estimate should not look precise.
    travel_rounding_minutes integer NOT NULL DEFAULT 5 CHECK (travel_rounding_minutes BETWEEN 1 AND 60),
    -- How many days before an agreement ends its renewal is raised.
    renewal_lead_days integer NOT NULL DEFAULT 90 CHECK (renewal_lead_days BETWEEN 1 AND 365),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO firm_settings DEFAULT VALUES;

-- Everyone signed in reads the settings (the pages' time zone, the day planner's
-- rules); only admins change them, and admins do not run as baton_member.
GRANT SELECT ON firm_settings TO baton_member;
