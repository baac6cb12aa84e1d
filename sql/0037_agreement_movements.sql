-- The recurring book's movements (issue 23, items 4 and 5): every change of an
-- account's monthly recurring revenue, in the words the reports use. One row per move,
-- written by AgreementActions in the same transaction as the agreement's own change;
-- the MRR movement and retention reports sum these rows and never recompute history.
--
--   kind          new        an account's first live agreement (it had none live);
--                 expansion  recurring lines added to an account that already had a live
--                            agreement (a new proposal accepted), or a price raised at renewal;
--                 churn      revenue that left: a cancellation (from its day), a lost or
--                            unrenewed agreement (from the day after its end), a downgrade;
--                 renewal    a won renewal: the next term starts the day after the last
--                            one ends. Its delta is the change of MRR between the terms
--                            (0 when renewed as it was); mrr_after is the renewed MRR.
--   on_day        the first day the new MRR counts (a churned MRR's first day without it)
--   month         the calendar month of on_day (its first day), for the monthly report
--   mrr_before, mrr_after   the agreement's MRR just before and after the move
--   mrr_delta     mrr_after − mrr_before: positive for new and expansion, negative for churn
--   agreement_id  the agreement that moved (for a renewal, the new term)
--   account_id, owner_id    the account, and its owner when it moved (reports by owner)
--   opportunity_id          the deal behind it: the accepted proposal's or the renewal's
--   reason        why revenue left (churn), as the person gave it
CREATE TABLE agreement_movements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id bigint NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    account_id bigint NOT NULL REFERENCES accounts (id),
    owner_id bigint REFERENCES users (id),
    opportunity_id bigint REFERENCES opportunities (id),
    kind text NOT NULL CHECK (kind IN ('new', 'expansion', 'churn', 'renewal')),
    on_day date NOT NULL,
    month date GENERATED ALWAYS AS (date_trunc('month', on_day::timestamp)::date) STORED,
    mrr_before numeric(14, 2) NOT NULL CHECK (mrr_before >= 0),
    mrr_after numeric(14, 2) NOT NULL CHECK (mrr_after >= 0),
    mrr_delta numeric(14, 2) GENERATED ALWAYS AS (mrr_after - mrr_before) STORED,
    reason text CHECK (length(reason) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'churn' OR mrr_after < mrr_before),
    CHECK (kind NOT IN ('new', 'expansion') OR mrr_after > mrr_before)
);
CREATE INDEX agreement_movements_month_idx ON agreement_movements (month, kind);
CREATE INDEX agreement_movements_account_idx ON agreement_movements (account_id, on_day);
CREATE INDEX agreement_movements_agreement_idx ON agreement_movements (agreement_id);

GRANT SELECT, INSERT ON agreement_movements TO baton_member;

-- Seen with the account, like the agreement itself.
ALTER TABLE agreement_movements ENABLE ROW LEVEL SECURITY;
CREATE POLICY agreement_movements_scope ON agreement_movements TO baton_member
    USING (account_visible(acting_user(), account_id)) WITH CHECK (true);

-- The agreements made before this table: their start (new or expansion, as their first
-- event said) and their cancellation (churn from its day).
INSERT INTO agreement_movements (agreement_id, account_id, owner_id, opportunity_id, kind, on_day, mrr_before, mrr_after, reason)
SELECT a.id, a.account_id, c.owner_id, a.opportunity_id,
       CASE e.action WHEN 'cancel' THEN 'churn' ELSE e.action END, e.on_day, e.mrr_before, e.mrr_after, e.comment
FROM agreement_events e JOIN agreements a ON a.id = e.agreement_id JOIN accounts c ON c.id = a.account_id
WHERE (e.action IN ('new', 'expansion') AND e.mrr_after > e.mrr_before)
   OR (e.action = 'cancel' AND e.mrr_after < e.mrr_before)
ORDER BY e.id;
