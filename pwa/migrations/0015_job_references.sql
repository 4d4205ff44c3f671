-- A notification job names what it is about in typed columns instead of a "visit:12"
-- text that the sender parsed back: a visit (reminders, change notices), a report (red
-- alerts, care-team replies), a medication period on one day, or a test press.
--
-- The references are nullable and ON DELETE SET NULL: when a record is purged the job
-- row stays (with its history) and, if it has not gone out yet, the sender finds nothing
-- to say and cancels it, as it did when the text pointed at a row that was gone.
-- Uniqueness (planning the same thing twice is harmless) is one partial index per kind
-- of reference, so a row whose reference went away drops out of it.
--
-- SQLite cannot change a table's columns in place: both tables are rebuilt. The
-- deliveries are copied first and the old tables dropped in the order that keeps the
-- delivery rows (dropping a referenced table with foreign keys on deletes its children).

CREATE TABLE notification_job_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    visit_id INTEGER REFERENCES visit (id) ON DELETE SET NULL,
    report_id INTEGER REFERENCES report (id) ON DELETE SET NULL,
    medication_period_id INTEGER REFERENCES medication_period (id) ON DELETE SET NULL,
    -- The local day (YYYY-MM-DD) a medication reminder is for.
    medication_day TEXT,
    -- The random token of one press on "send a test notification".
    test_token TEXT,
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
    finished_at TEXT
);

-- A reference to a row that no longer exists becomes NULL, as ON DELETE SET NULL would
-- have made it.
INSERT INTO notification_job_new (
    id, kind, visit_id, report_id, medication_period_id, medication_day, test_token,
    revision, recipient_id, due_at, expires_at, status, lease_until, next_attempt_at,
    attempts, created_at, finished_at
)
SELECT id, kind,
       CASE WHEN subject LIKE 'visit:%' THEN
           (SELECT visit.id FROM visit WHERE visit.id = CAST(substr(subject, 7) AS INTEGER))
       END,
       CASE WHEN subject LIKE 'report:%' THEN
           (SELECT report.id FROM report WHERE report.id = CAST(substr(subject, 8) AS INTEGER))
       END,
       CASE WHEN subject LIKE 'medication:%:%' THEN
           (SELECT medication_period.id FROM medication_period
             WHERE medication_period.id = CAST(substr(subject, 12, instr(substr(subject, 12), ':') - 1) AS INTEGER))
       END,
       CASE WHEN subject LIKE 'medication:%:%' THEN
           substr(subject, 12 + instr(substr(subject, 12), ':'))
       END,
       CASE WHEN subject LIKE 'test:%' THEN substr(subject, 6) END,
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
-- Renaming also rewrites notification_delivery's reference to the new name.
ALTER TABLE notification_job_new RENAME TO notification_job;
ALTER TABLE notification_delivery_new RENAME TO notification_delivery;

-- The sender's claim: due pending jobs and expired leases.
CREATE INDEX notification_job_due ON notification_job (status, next_attempt_at);
-- One job per (what it is about, kind, revision, recipient); these also serve the
-- lookups by visit, report and period (cancelling, superseding, foreign keys).
CREATE UNIQUE INDEX notification_job_per_visit
    ON notification_job (visit_id, kind, revision, recipient_id) WHERE visit_id IS NOT NULL;
CREATE UNIQUE INDEX notification_job_per_report
    ON notification_job (report_id, kind, revision, recipient_id) WHERE report_id IS NOT NULL;
CREATE UNIQUE INDEX notification_job_per_medication_day
    ON notification_job (medication_period_id, medication_day, kind, revision, recipient_id)
    WHERE medication_period_id IS NOT NULL;
CREATE UNIQUE INDEX notification_job_per_test
    ON notification_job (test_token, kind, revision, recipient_id) WHERE test_token IS NOT NULL;
