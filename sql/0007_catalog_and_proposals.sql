-- The catalog of typical projects (each also the template of its projects), and
-- the proposals that offer them to clients.

CREATE TABLE typical_projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description text CHECK (length(description) <= 5000),
    pricing_model text NOT NULL CHECK (pricing_model IN ('fixed', 'hourly')),
    -- The fixed fee, or the hourly rate.
    price numeric(14, 2) NOT NULL CHECK (price >= 0),
    typical_duration_days integer CHECK (typical_duration_days > 0),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX typical_projects_name_key ON typical_projects (lower(name)) WHERE archived_at IS NULL;

CREATE TABLE typical_project_phases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    typical_project_id bigint NOT NULL REFERENCES typical_projects (id) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    offset_days integer NOT NULL CHECK (offset_days >= 0),
    length_days integer NOT NULL CHECK (length_days >= 1),
    share_percent numeric(5, 2) NOT NULL CHECK (share_percent BETWEEN 0 AND 100),
    UNIQUE (typical_project_id, position)
);

CREATE TABLE typical_project_phase_skills (
    phase_id bigint NOT NULL REFERENCES typical_project_phases (id) ON DELETE CASCADE,
    skill_id bigint NOT NULL REFERENCES skills (id),
    hours numeric(8, 2) NOT NULL CHECK (hours > 0),
    PRIMARY KEY (phase_id, skill_id)
);

CREATE TABLE typical_project_checklist (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    typical_project_id bigint NOT NULL REFERENCES typical_projects (id) ON DELETE CASCADE,
    position integer NOT NULL,
    text text NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 500),
    required boolean NOT NULL DEFAULT true
);

CREATE TABLE proposals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    opportunity_id bigint NOT NULL REFERENCES opportunities (id),
    number integer NOT NULL CHECK (number >= 1),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'in_review', 'approved', 'sent', 'accepted', 'declined', 'expired', 'superseded')),
    author_id bigint NOT NULL REFERENCES users (id),
    reviewer_id bigint REFERENCES users (id),
    terms text CHECK (length(terms) <= 10000),
    valid_until date,
    proposed_start date,
    discount_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    subtotal numeric(14, 2) NOT NULL DEFAULT 0,
    discount numeric(14, 2) NOT NULL DEFAULT 0,
    total numeric(14, 2) NOT NULL DEFAULT 0,
    accepted_on date,
    declined_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (opportunity_id, number)
);
-- One accepted proposal per opportunity: the order is given once.
CREATE UNIQUE INDEX proposals_one_accepted ON proposals (opportunity_id) WHERE status = 'accepted';
CREATE INDEX proposals_reviewer_idx ON proposals (reviewer_id, status);

CREATE TABLE proposal_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position integer NOT NULL,
    typical_project_id bigint REFERENCES typical_projects (id),
    description text CHECK (length(description) <= 500),
    quantity numeric(12, 4) NOT NULL CHECK (quantity > 0),
    unit text NOT NULL CHECK (unit IN ('fixed', 'hour', 'day')),
    unit_price numeric(14, 2) NOT NULL CHECK (unit_price >= 0),
    discount_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    line_total numeric(14, 2) NOT NULL,
    CHECK (typical_project_id IS NOT NULL OR description IS NOT NULL)
);
CREATE INDEX proposal_lines_proposal_idx ON proposal_lines (proposal_id, position);

-- Every move of a proposal, with who made it and the reviewer's comment.
CREATE TABLE proposal_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    proposal_id bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    action text NOT NULL,
    from_status text,
    to_status text NOT NULL,
    actor_id bigint REFERENCES users (id),
    comment text CHECK (length(comment) <= 5000),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposal_events_proposal_idx ON proposal_events (proposal_id, at);
