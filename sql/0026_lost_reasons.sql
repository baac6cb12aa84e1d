-- The firm's list of reasons a deal is lost (issue 19): the opportunity page and the
-- board offer these instead of a free-text box, plus "Other" with its own words. An
-- admin adds, renames and retires them; a retired reason stays on the deals that
-- carry it (opportunities.lost_reason keeps the words, not a reference).
CREATE TABLE lost_reasons (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    position integer NOT NULL DEFAULT 0,
    retired_at timestamptz
);
CREATE UNIQUE INDEX lost_reasons_name_idx ON lost_reasons (lower(name));

INSERT INTO lost_reasons (name, position) VALUES
    ('Price', 1), ('Chose a competitor', 2), ('No budget', 3), ('No decision', 4),
    ('Timing', 5), ('Scope did not fit', 6);

GRANT SELECT, INSERT, UPDATE, DELETE ON lost_reasons TO baton_member;
