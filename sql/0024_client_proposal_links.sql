-- The client's own acceptance (issue 20, item 4). Sending a proposal can create a
-- link for the client: a 192-bit token of which only the SHA-256 is stored, working
-- until the proposal's valid-until date, revocable. Through it the client accepts
-- (name, title, consent) or declines (with a reason); the decision keeps its
-- evidence, and an acceptance runs the same handoff as one recorded by sales.

CREATE TABLE proposal_client_links (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    expires_on date NOT NULL,
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    -- Rate limit: decisions tried through this link in the current window.
    window_started_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX proposal_client_links_proposal_idx ON proposal_client_links (proposal_id);

-- One decision per proposal version, with what shows it was the client's.
CREATE TABLE proposal_client_decisions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id bigint NOT NULL UNIQUE REFERENCES proposals (id) ON DELETE CASCADE,
    link_id bigint NOT NULL REFERENCES proposal_client_links (id) ON DELETE CASCADE,
    decision text NOT NULL CHECK (decision IN ('accepted', 'declined')),
    name text CHECK (length(name) <= 200),
    title text CHECK (length(title) <= 200),
    email text CHECK (length(email) <= 320),
    reason text CHECK (length(reason) <= 2000),
    decided_at timestamptz NOT NULL DEFAULT now(),
    address text,
    user_agent text CHECK (length(user_agent) <= 1000),
    -- SHA-256 (hex) of the exact printable document the client was shown.
    document_sha256 text NOT NULL CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
    CHECK (decision <> 'accepted' OR (length(btrim(name)) > 0 AND length(btrim(title)) > 0))
);
