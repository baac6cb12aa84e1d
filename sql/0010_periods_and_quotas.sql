-- The fiscal calendar's periods, and each person's quota per period and metric.

CREATE TABLE periods (
    key text PRIMARY KEY CHECK (key ~ '^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$'),
    kind text NOT NULL CHECK (kind IN ('year', 'quarter', 'month')),
    start_date date NOT NULL,
    end_date date NOT NULL CHECK (end_date > start_date),  -- exclusive
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quotas (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    user_id bigint NOT NULL REFERENCES users (id),
    period_key text NOT NULL REFERENCES periods (key),
    metric text NOT NULL CHECK (metric IN ('new_business', 'expansion', 'total_bookings', 'completed_work')),
    target numeric(14, 2) NOT NULL CHECK (target >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, period_key, metric)
);
CREATE INDEX quotas_period_idx ON quotas (period_key, metric);
