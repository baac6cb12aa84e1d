-- "To standard" in the bonus (issue 22, item 5): a plan may ask that a phase be
-- completed within a share of its budget hours (110: actual <= 110 % of budget) for
-- full credit, and credit a phase beyond it at a reduced percentage, as late phases
-- are. Both NULL: the plan has no tolerance and credits by dates alone, as before.
ALTER TABLE bonus_plans
    ADD COLUMN budget_tolerance_percent numeric(6, 2) CHECK (budget_tolerance_percent BETWEEN 100 AND 1000),
    ADD COLUMN over_budget_credit_percent numeric(5, 2) CHECK (over_budget_credit_percent BETWEEN 0 AND 100),
    ADD CHECK ((budget_tolerance_percent IS NULL) = (over_budget_credit_percent IS NULL));
