-- Notifications (issue 20). An action that changes something someone should hear
-- of writes one row per recipient here, in the same transaction as the change
-- (`Outbox.record`); the bell and the notifications page read them. Email goes
-- through `notification_deliveries`, one row per notification and channel, which
-- the mail worker claims with FOR UPDATE SKIP LOCKED (several `baton serve`
-- processes may run), so a row is delivered once and a kill loses nothing.

CREATE TABLE notifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    -- Unique per event and recipient: the same event recorded twice is one notification.
    event_key text NOT NULL CHECK (length(event_key) BETWEEN 1 AND 300),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
    lines text[] NOT NULL DEFAULT '{}',
    link text CHECK (link IS NULL OR link LIKE '/%'),
    entity text,
    entity_id bigint,
    -- The iCalendar invitation an assignment's email carries (CalendarInvitation, JSON).
    invitation jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    UNIQUE (recipient_id, event_key)
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (recipient_id) WHERE read_at IS NULL;

-- Email to send: 'email' at once, 'digest' in the person's next daily digest.
CREATE TABLE notification_deliveries (
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel text NOT NULL CHECK (channel IN ('email', 'digest')),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status = 'pending';

-- A person's choice per kind; a kind without a row uses NotificationKind.defaultChannel.
CREATE TABLE notification_preferences (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    channel text NOT NULL CHECK (channel IN ('app', 'email', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- The SEQUENCE of each assignment's invitation: it rises with every change, so the
-- person's calendar replaces its copy. Kept after the assignment is removed so the
-- cancel carries the highest number.
CREATE TABLE assignment_invitations (
    assignment_id bigint PRIMARY KEY,
    sequence integer NOT NULL DEFAULT 0
);
