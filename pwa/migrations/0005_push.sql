-- Push: devices subscribed per account, each account's reminder preferences, the admin's
-- reminder offsets, and the persistent outbox of notification jobs and deliveries.

CREATE TABLE push_subscription (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    -- Which VAPID public key the browser subscribed with (rotation: old keys keep signing).
    vapid_public_key TEXT NOT NULL,
    device_label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_success_at TEXT,
    last_failure_at TEXT,
    last_failure_status INTEGER,
    success_count INTEGER NOT NULL DEFAULT 0,
    failure_count INTEGER NOT NULL DEFAULT 0,
    disabled_at TEXT
);
CREATE INDEX push_subscription_by_account ON push_subscription (account_id);

CREATE TABLE reminder_preference (
    account_id INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    reminders_enabled INTEGER NOT NULL DEFAULT 1,
    quiet_start TEXT NOT NULL DEFAULT '21:30',
    quiet_end TEXT NOT NULL DEFAULT '08:00',
    -- JSON list of local times ("09:00") for daily home-medication reminders; empty = off.
    medication_times TEXT NOT NULL DEFAULT '[]',
    -- Nurses only: alert this account's devices about new red reports.
    red_alerts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

CREATE TABLE reminder_offset (
    id INTEGER PRIMARY KEY,
    days_before INTEGER NOT NULL CHECK (days_before BETWEEN 0 AND 60),
    at_time TEXT NOT NULL,
    UNIQUE (days_before, at_time)
);
INSERT INTO reminder_offset (days_before, at_time) VALUES (7, '18:00'), (1, '18:00');

-- One job per (what it is about, kind, revision, recipient): re-planning after a change
-- makes new rows with the new revision and cancels the old ones.
CREATE TABLE notification_job (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    recipient_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    due_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'claimed', 'sent', 'failed', 'expired', 'cancelled')),
    lease_until TEXT,
    next_attempt_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (subject, kind, revision, recipient_id)
);
CREATE INDEX notification_job_due ON notification_job (status, next_attempt_at);
CREATE INDEX notification_job_by_subject ON notification_job (subject, status);

CREATE TABLE notification_delivery (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES notification_job (id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES push_subscription (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'gone')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    sent_at TEXT,
    UNIQUE (job_id, subscription_id)
);

-- Problems that need a person (VAPID rejected, payload too large, sender stopped).
CREATE TABLE push_problem (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sender_heartbeat (
    name TEXT PRIMARY KEY,
    beat_at TEXT NOT NULL
);
