-- Recurring lines (issue 23): a proposal line may be billed every month, quarter or
-- year for a term, instead of once. Its unit price is then per period, and its
-- line total is one bill; the proposal's subtotal and total stay what the client
-- pays once, and the recurring value is read per month and per term from the lines.
-- A line sold once has no billing period, and none of the other three columns.
ALTER TABLE proposal_lines
    ADD COLUMN billing_period text CHECK (billing_period IN ('monthly', 'quarterly', 'annual')),
    ADD COLUMN term_months integer CHECK (term_months BETWEEN 1 AND 120),
    ADD COLUMN auto_renew boolean,
    ADD COLUMN notice_days integer CHECK (notice_days BETWEEN 0 AND 365),
    ADD CONSTRAINT proposal_lines_recurrence_whole CHECK (
        (billing_period IS NULL AND term_months IS NULL AND auto_renew IS NULL AND notice_days IS NULL)
        OR (billing_period IS NOT NULL AND term_months IS NOT NULL AND auto_renew IS NOT NULL AND notice_days IS NOT NULL));

-- A catalog item that is sold by the period (monthly managed support) says so, and
-- the proposal lines made from it start recurring on the same terms.
ALTER TABLE typical_projects
    ADD COLUMN billing_period text CHECK (billing_period IN ('monthly', 'quarterly', 'annual')),
    ADD COLUMN term_months integer CHECK (term_months BETWEEN 1 AND 120),
    ADD COLUMN auto_renew boolean,
    ADD COLUMN notice_days integer CHECK (notice_days BETWEEN 0 AND 365),
    ADD CONSTRAINT typical_projects_recurrence_whole CHECK (
        (billing_period IS NULL AND term_months IS NULL AND auto_renew IS NULL AND notice_days IS NULL)
        OR (billing_period IS NOT NULL AND term_months IS NOT NULL AND auto_renew IS NOT NULL AND notice_days IS NOT NULL));
