-- Agreements (issue 23): the recurring lines of an accepted proposal become an
-- agreement with the account, for a term, with its monthly recurring revenue. The
-- acceptance's handoff writes it in the same transaction as the won opportunity
-- and the project; one agreement per proposal makes a second one impossible.
CREATE TABLE agreements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    account_id bigint NOT NULL REFERENCES accounts (id),
    proposal_id bigint UNIQUE REFERENCES proposals (id),
    opportunity_id bigint REFERENCES opportunities (id),
    -- The agreement whose term this one continues (a won renewal); one next term each.
    renews_agreement_id bigint UNIQUE REFERENCES agreements (id),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'renewal_due', 'renewed', 'ended', 'cancelled')),
    start_on date NOT NULL,
    end_on date NOT NULL CHECK (end_on >= start_on),
    term_months integer NOT NULL CHECK (term_months BETWEEN 1 AND 120),
    auto_renew boolean NOT NULL,
    notice_days integer NOT NULL CHECK (notice_days BETWEEN 0 AND 365),
    discount_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    mrr numeric(14, 2) NOT NULL CHECK (mrr >= 0),
    -- The renewal opportunity of this term: set once, by the job that wins the row.
    renewal_opportunity_id bigint UNIQUE REFERENCES opportunities (id),
    closed_on date,
    close_reason text CHECK (length(close_reason) <= 500),
    CHECK (status <> 'cancelled' OR (closed_on IS NOT NULL AND close_reason IS NOT NULL)),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreements_account_idx ON agreements (account_id, start_on);
CREATE INDEX agreements_end_idx ON agreements (end_on) WHERE status = 'active';

CREATE TABLE agreement_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id bigint NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    position integer NOT NULL,
    proposal_line_id bigint REFERENCES proposal_lines (id) ON DELETE SET NULL,
    description text NOT NULL CHECK (length(description) <= 500),
    kind text NOT NULL CHECK (kind IN ('service', 'pass_through')),
    quantity numeric(12, 4) NOT NULL CHECK (quantity > 0),
    unit_price numeric(14, 2) NOT NULL CHECK (unit_price >= 0),
    discount_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    billing_period text NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'annual')),
    term_months integer NOT NULL CHECK (term_months BETWEEN 1 AND 120),
    auto_renew boolean NOT NULL,
    notice_days integer NOT NULL CHECK (notice_days BETWEEN 0 AND 365),
    UNIQUE (agreement_id, position)
);

-- Every move of an agreement, with its MRR before and after: the movement the
-- recurring revenue reports read (new, expansion, churn, renewal).
CREATE TABLE agreement_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id bigint NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    action text NOT NULL,
    from_status text,
    to_status text NOT NULL,
    mrr_before numeric(14, 2) NOT NULL DEFAULT 0,
    mrr_after numeric(14, 2) NOT NULL DEFAULT 0,
    on_day date NOT NULL,
    actor_id bigint REFERENCES users (id),
    comment text CHECK (length(comment) <= 5000),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreement_events_agreement_idx ON agreement_events (agreement_id, at);

GRANT SELECT, INSERT, UPDATE ON agreements, agreement_lines, agreement_events TO baton_member;

-- An agreement is seen with its account, like the account's opportunities.
ALTER TABLE agreements ENABLE ROW LEVEL SECURITY;
CREATE POLICY agreements_scope ON agreements TO baton_member
    USING (account_visible(acting_user(), account_id)) WITH CHECK (true);
