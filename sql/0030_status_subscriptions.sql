-- A client's email subscription to a project's status page (issue 20, item 5).
-- Double opt-in: a subscription is made unconfirmed, and only the address that
-- receives the confirmation link can confirm it; that token is kept only as its
-- SHA-256. The unsubscribe token is kept as it is: every message carries it, and all
-- it can do is stop the messages. Unsubscribing keeps the row (so the address is not
-- mailed again) until the address subscribes anew.
CREATE TABLE status_subscriptions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    confirm_sha256 text NOT NULL UNIQUE,
    unsubscribe_token text NOT NULL UNIQUE,
    confirmed_at timestamptz,
    unsubscribed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, email)
);

-- What a subscriber is told (and the confirmation itself), written in the same
-- transaction as the change, once per subscription and event key; the mail worker
-- drains it like notification_deliveries (FOR UPDATE SKIP LOCKED, retries).
CREATE TABLE status_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES status_subscriptions (id) ON DELETE CASCADE,
    event_key text NOT NULL,
    subject text NOT NULL,
    lines text[] NOT NULL DEFAULT '{}',
    -- The confirmation's or unsubscribe link's path; dropped once sent.
    link text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, event_key)
);
CREATE INDEX status_messages_due_idx ON status_messages (next_attempt_at) WHERE status = 'pending';
