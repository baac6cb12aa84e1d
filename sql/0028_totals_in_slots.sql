-- Creates that do not queue on one totals row (issue 21, item 7). Every opportunity
-- write adds to its month's, stage's and owner's row of the totals in its own
-- transaction (sql/0013, sql/0015), so two deals created at once by one owner for the
-- same month and stage waited for each other's commit and its fsync: with four
-- connections creating, most of the time went to `Lock:transactionid`.
--
-- Each total is now spread over slots (the writing session's backend process id modulo
-- 16: each pooled connection writes its own row, so concurrent creates touch different
-- rows), and the tables' old names are views that add the slots up, so every report
-- reads what it read before, one row per key.
ALTER TABLE opportunity_credit_totals RENAME TO opportunity_credit_total_slots;
ALTER TABLE opportunity_credit_total_slots ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE opportunity_credit_total_slots DROP CONSTRAINT opportunity_credit_totals_pkey;
ALTER TABLE opportunity_credit_total_slots ADD PRIMARY KEY (month, user_id, stage_key, kind, category_override, slot);

ALTER TABLE opportunity_stage_totals RENAME TO opportunity_stage_total_slots;
ALTER TABLE opportunity_stage_total_slots ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE opportunity_stage_total_slots DROP CONSTRAINT opportunity_stage_totals_pkey;
ALTER TABLE opportunity_stage_total_slots ADD PRIMARY KEY (month, stage_key, owner_id, slot);

CREATE VIEW opportunity_credit_totals AS
    SELECT user_id, month, stage_key, kind, category_override, sum(deals)::integer AS deals, sum(amount) AS amount,
           sum(amount_at_stage_probability) AS amount_at_stage_probability, sum(weighted_override) AS weighted_override
    FROM opportunity_credit_total_slots
    GROUP BY user_id, month, stage_key, kind, category_override;

CREATE VIEW opportunity_stage_totals AS
    SELECT month, stage_key, owner_id, sum(deals)::integer AS deals, sum(amount) AS amount,
           sum(amount_at_stage_probability) AS amount_at_stage_probability, sum(weighted_override) AS weighted_override,
           sum(entered_epoch_sum) AS entered_epoch_sum
    FROM opportunity_stage_total_slots
    GROUP BY month, stage_key, owner_id;

GRANT SELECT ON opportunity_credit_totals, opportunity_stage_totals TO baton_member;
