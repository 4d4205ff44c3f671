-- A recorded outcome can be changed, openly; and nurses can phone the family
-- (docs/api.md, /nurse/reports/<uuid>/outcome and /settings/phone).

-- Every outcome a nurse recorded for a report, oldest first. report_review stays the
-- current state (the queue's triggers and the family's "seen by" read it); this table is
-- the history the report page shows: who recorded what, when, and what it replaced.
-- Rows are only ever added (a report's rows go only with the report, on purge).
CREATE TABLE report_review_event (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    nurse_id INTEGER REFERENCES account (id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('reviewed', 'phoned', 'come_in')),
    -- NULL for the first review; the outcome this one replaced for a change.
    previous_outcome TEXT CHECK (previous_outcome IN ('reviewed', 'phoned', 'come_in')),
    recorded_at TEXT NOT NULL
);
CREATE INDEX report_review_event_by_report ON report_review_event (report_id);

INSERT INTO report_review_event (report_id, nurse_id, outcome, previous_outcome, recorded_at)
SELECT report_id, nurse_id, outcome, NULL, reviewed_at FROM report_review ORDER BY reviewed_at, report_id;

CREATE TRIGGER report_review_event_no_update BEFORE UPDATE ON report_review_event
BEGIN
    SELECT RAISE(ABORT, 'report_review_event is append-only');
END;

-- A caregiver's own phone number (optional), shown to the care team as a tap-to-call link.
ALTER TABLE account ADD COLUMN phone TEXT;
