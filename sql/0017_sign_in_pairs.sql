-- Sign-in throttling per (email, client address) pair, replacing a count per email
-- that let anyone lock an account (the admin's included) from everywhere.
--
-- One row per pair, changed only by one INSERT … ON CONFLICT DO UPDATE, so the
-- row lock makes parallel attempts count one after another: the fifth failure
-- locks the pair, and attempts that arrive while it is locked are turned away
-- before any password is checked. Each further failure doubles the lock.
-- `last_success_at` marks a person known at that address: the limit per address
-- (password spraying) does not apply to them, so one attacker behind an office's
-- address cannot lock out everyone behind it.
CREATE TABLE sign_in_pairs (
    email_key text NOT NULL,
    address text NOT NULL,
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until timestamptz,
    last_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_success_at timestamptz,
    PRIMARY KEY (email_key, address)
);
CREATE INDEX sign_in_pairs_last_attempt_idx ON sign_in_pairs (last_attempt_at);
CREATE INDEX sign_in_attempts_at_idx ON sign_in_attempts (at);
