-- Working calendars (issue 18): a person's working week, the firm's holiday
-- calendars (per location or country), and time off that a manager approves.
-- `WorkingCalendarStore` reads these into `BatonCore.WorkingCalendar`, the one
-- answer to "working hours of person P on day D".

CREATE TABLE holiday_calendars (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- The location or country it is kept for ("Belgium", "Lyon office").
    location text CHECK (length(location) <= 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX holiday_calendars_name_key ON holiday_calendars (lower(name));

-- A public holiday: no working hours for anyone on that calendar.
CREATE TABLE holidays (
    calendar_id bigint NOT NULL REFERENCES holiday_calendars (id) ON DELETE CASCADE,
    day date NOT NULL CHECK (day BETWEEN '1900-01-01' AND '9000-12-31'),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    PRIMARY KEY (calendar_id, day)
);

-- Hours per weekday, Monday first; NULL means the standard week: the weekly
-- capacity spread over Monday to Friday.
ALTER TABLE users
    ADD COLUMN working_week numeric(4, 2)[] CHECK (working_week IS NULL OR (
        array_length(working_week, 1) = 7 AND array_ndims(working_week) = 1
        AND 0 <= ALL (working_week) AND 24 >= ALL (working_week))),
    ADD COLUMN holiday_calendar_id bigint REFERENCES holiday_calendars (id) ON DELETE SET NULL;
CREATE INDEX users_holiday_calendar_idx ON users (holiday_calendar_id);

-- Time off a person asks for; their manager (or anyone above, or an admin)
-- approves or declines it. Only approved time off removes working hours.
CREATE TABLE time_off (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version integer NOT NULL DEFAULT 1,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('vacation', 'sick', 'training', 'other')),
    -- Both days included, as for assignments.
    start_date date NOT NULL CHECK (start_date >= '1900-01-01'),
    end_date date NOT NULL CHECK (end_date <= '9000-12-31'),
    -- NULL: whole days; else the hours off on each working day (a part day).
    hours_per_day numeric(4, 2) CHECK (hours_per_day > 0 AND hours_per_day <= 24),
    note text CHECK (length(note) <= 1000),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined', 'cancelled')),
    decided_by bigint REFERENCES users (id),
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date >= start_date AND end_date - start_date <= 366)
);
CREATE INDEX time_off_user_idx ON time_off (user_id, start_date);
CREATE INDEX time_off_pending_idx ON time_off (status) WHERE status = 'pending';
