-- E-mail joins push in the same outbox. A job now says its channel: 'push' (to each of the
-- recipient's devices, through notification_delivery) or 'email' (one message through the
-- hospital's relay; its last answer is kept on the job). A job without a recipient account
-- goes to the ward's shared address (hospital_setting 'ward_email', read when it is sent):
-- the ward is not a person who signs in.
--
-- recipient_id becomes nullable, which SQLite can only do by rebuilding the table; the
-- deliveries are rebuilt with it, in the order that keeps their rows (as in 0015).
-- Uniqueness now includes the channel, and a job for the ward counts as recipient 0.

CREATE TABLE notification_job_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT 'push' CHECK (channel IN ('push', 'email')),
    visit_id INTEGER REFERENCES visit (id) ON DELETE SET NULL,
    report_id INTEGER REFERENCES report (id) ON DELETE SET NULL,
    medication_period_id INTEGER REFERENCES medication_period (id) ON DELETE SET NULL,
    -- The local day (YYYY-MM-DD) a medication reminder is for.
    medication_day TEXT,
    -- The random token of one press on "send a test notification".
    test_token TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    -- NULL: the ward's shared e-mail address.
    recipient_id INTEGER REFERENCES account (id) ON DELETE CASCADE,
    due_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'claimed', 'sent', 'failed', 'expired', 'cancelled')),
    lease_until TEXT,
    next_attempt_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- An e-mail job's last answer from the relay (its reply code; NULL: not reached).
    last_status INTEGER,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    CHECK (recipient_id IS NOT NULL OR channel = 'email')
);
INSERT INTO notification_job_new (
    id, kind, visit_id, report_id, medication_period_id, medication_day, test_token,
    revision, recipient_id, due_at, expires_at, status, lease_until, next_attempt_at,
    attempts, created_at, finished_at
)
SELECT id, kind, visit_id, report_id, medication_period_id, medication_day, test_token,
       revision, recipient_id, due_at, expires_at, status, lease_until, next_attempt_at,
       attempts, created_at, finished_at
  FROM notification_job;

CREATE TABLE notification_delivery_new (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES notification_job_new (id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES push_subscription (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'gone')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    sent_at TEXT,
    UNIQUE (job_id, subscription_id)
);
INSERT INTO notification_delivery_new (id, job_id, subscription_id, status, attempts, last_status, sent_at)
SELECT id, job_id, subscription_id, status, attempts, last_status, sent_at FROM notification_delivery;

DROP TABLE notification_delivery;
DROP TABLE notification_job;
ALTER TABLE notification_job_new RENAME TO notification_job;
ALTER TABLE notification_delivery_new RENAME TO notification_delivery;

CREATE INDEX notification_job_due ON notification_job (status, next_attempt_at);
CREATE INDEX notification_job_by_recipient ON notification_job (recipient_id);
CREATE UNIQUE INDEX notification_job_per_visit
    ON notification_job (visit_id, kind, channel, revision, IFNULL(recipient_id, 0))
    WHERE visit_id IS NOT NULL;
CREATE UNIQUE INDEX notification_job_per_report
    ON notification_job (report_id, kind, channel, revision, IFNULL(recipient_id, 0))
    WHERE report_id IS NOT NULL;
CREATE UNIQUE INDEX notification_job_per_medication_day
    ON notification_job (medication_period_id, medication_day, kind, channel, revision, IFNULL(recipient_id, 0))
    WHERE medication_period_id IS NOT NULL;
CREATE UNIQUE INDEX notification_job_per_test
    ON notification_job (test_token, kind, channel, revision, IFNULL(recipient_id, 0))
    WHERE test_token IS NOT NULL;
