-- People: users with their roles, reporting line, capacity and skills.

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    email text NOT NULL CHECK (email = btrim(email) AND email LIKE '%_@_%' AND length(email) <= 254),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    roles text[] NOT NULL DEFAULT '{}'
        CHECK (roles <@ ARRAY['admin', 'manager', 'account_manager', 'sales', 'project_manager', 'consultant']),
    manager_id bigint REFERENCES users (id) CHECK (manager_id <> id),
    weekly_capacity_hours numeric(5, 2) NOT NULL DEFAULT 40 CHECK (weekly_capacity_hours BETWEEN 0 AND 168),
    home_location text CHECK (length(home_location) <= 500),
    password_hash text,
    active boolean NOT NULL DEFAULT true,
    -- The secret in the person's calendar-feed link; the app makes it, 256 random bits.
    calendar_token text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Emails are unique whatever their case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_manager_idx ON users (manager_id);

CREATE TABLE skills (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX skills_name_key ON skills (lower(name));

CREATE TABLE user_skills (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    skill_id bigint NOT NULL REFERENCES skills (id),
    level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, skill_id)
);
CREATE INDEX user_skills_skill_idx ON user_skills (skill_id, level DESC);

-- A person's reporting line: themselves and everyone below them, at any depth.
-- Every visibility rule builds on this.
CREATE FUNCTION reporting_line(root bigint) RETURNS TABLE (user_id bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE line(id) AS (
        SELECT root
        UNION
        SELECT u.id FROM users u JOIN line ON u.manager_id = line.id
    )
    SELECT id FROM line
$$;

-- The managers above a person, nearest first.
CREATE FUNCTION managers_above(person bigint) RETURNS TABLE (user_id bigint, depth integer)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, depth) AS (
        SELECT manager_id, 1 FROM users WHERE id = person AND manager_id IS NOT NULL
        UNION
        SELECT u.manager_id, up.depth + 1 FROM users u JOIN up ON u.id = up.id
        WHERE u.manager_id IS NOT NULL AND up.depth < 100
    )
    SELECT id, depth FROM up
$$;

-- A reporting line must not loop: nobody may end up managing themselves.
CREATE FUNCTION users_refuse_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.manager_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM managers_above(NEW.manager_id) m WHERE m.user_id = NEW.id
    ) OR NEW.manager_id = NEW.id THEN
        RAISE EXCEPTION 'a reporting line cannot loop' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'users_manager_cycle';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_refuse_cycle BEFORE INSERT OR UPDATE OF manager_id ON users
    FOR EACH ROW EXECUTE FUNCTION users_refuse_cycle();
