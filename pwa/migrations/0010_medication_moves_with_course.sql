-- Home-medication periods belong to their course: each period now points at the visit
-- that starts its course, so moving that visit moves the period by the same number of
-- days (pwa/plans/changes.py). Existing periods are attached to the first visit of their
-- course in the same plan, preferring one that is not cancelled.
ALTER TABLE medication_period ADD COLUMN visit_id INTEGER REFERENCES visit (id) ON DELETE SET NULL;
-- When a nurse last moved or edited the period: the family's "changed" banner reads it.
ALTER TABLE medication_period ADD COLUMN changed_at TEXT;

UPDATE medication_period
   SET visit_id = (
       SELECT visit.id FROM visit
        WHERE visit.plan_id = medication_period.plan_id
          AND visit.course_number = medication_period.course_number
        ORDER BY visit.status = 'cancelled', visit.starts_local, visit.id
        LIMIT 1);

CREATE INDEX medication_period_by_visit ON medication_period (visit_id);

-- What a visit or medication period looked like before each change, so the family's
-- banner can say "was ..., now ...": the earliest change after the family last looked
-- holds what they last saw.
CREATE TABLE plan_change (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES treatment_plan (id) ON DELETE CASCADE,
    visit_id INTEGER REFERENCES visit (id) ON DELETE CASCADE,
    medication_period_id INTEGER REFERENCES medication_period (id) ON DELETE CASCADE,
    -- A visit: its local start and end (YYYY-MM-DDTHH:MM); a period: its first and last date.
    was_first TEXT NOT NULL,
    was_last TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    CHECK ((visit_id IS NULL) != (medication_period_id IS NULL))
);
CREATE INDEX plan_change_by_plan ON plan_change (plan_id, changed_at);

-- The family's home page reads plan_change: its writes bump the page version (0008).
CREATE TRIGGER family_data_version_plan_change_insert AFTER INSERT ON plan_change
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_plan_change_update AFTER UPDATE ON plan_change
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_plan_change_delete AFTER DELETE ON plan_change
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;
