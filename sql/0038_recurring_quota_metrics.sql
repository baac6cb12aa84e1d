-- Quotas on the recurring book (issue 23): `recurring_bookings` credits a year of the
-- recurring revenue that won deals add (new agreements and expansions, read from
-- agreement_movements); `renewal_bookings` credits won renewal deals' amounts.
ALTER TABLE quotas DROP CONSTRAINT quotas_metric_check;
ALTER TABLE quotas ADD CONSTRAINT quotas_metric_check
    CHECK (metric IN ('new_business', 'expansion', 'total_bookings', 'completed_work', 'recurring_bookings', 'renewal_bookings'));
