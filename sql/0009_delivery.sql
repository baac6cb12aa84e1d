-- Delivery: who completed what, and the client's read-only status link.

ALTER TABLE project_phases ADD COLUMN completed_by bigint REFERENCES users (id);

-- A client's link to their project's status page. Only the token's SHA-256 is
-- kept: the link is shown once, when it is made.
CREATE TABLE project_status_links (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_on date,
    revoked_at timestamptz
);
CREATE INDEX project_status_links_project_idx ON project_status_links (project_id);
