-- Every kind of visit: besides the week-long stays of the courses, short visits (a scan, a
-- hearing test, a heart echo, an outpatient check, a blood test at the local hospital).
-- Kinds are the admin's settings (pwa/plans/kinds.py, /admin/visit-kinds): names in both
-- languages, whether it is a stay, its usual length and its reminders. The key never
-- changes once made: visits name their kind by it, and systems outside the app (a FHIR
-- Appointment's service type) will map to it (docs/api.md, "Visit kinds").
CREATE TABLE visit_kind (
    key TEXT PRIMARY KEY
        CHECK (length(key) BETWEEN 2 AND 40 AND key GLOB '[a-z]*' AND key NOT GLOB '*[^a-z0-9_]*'),
    name_en TEXT NOT NULL CHECK (length(trim(name_en)) > 0),
    name_nl TEXT NOT NULL CHECK (length(trim(name_nl)) > 0),
    -- A stay in hospital: the family's home page counts its days, reminders say "stay".
    is_stay INTEGER NOT NULL DEFAULT 0 CHECK (is_stay IN (0, 1)),
    -- NULL: planned with a first and a last day, like the courses' visits; a number: a
    -- short visit on one day that usually lasts this many minutes.
    default_minutes INTEGER CHECK (default_minutes IS NULL OR default_minutes BETWEEN 5 AND 720),
    -- NULL: the hospital's reminder times (reminder_offset, /admin/reminders); else a JSON
    -- list like [{"days_before": 1, "at": "18:00"}] (an empty list: no reminders).
    reminders TEXT CHECK (reminders IS NULL OR json_valid(reminders)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- The three kinds the app had keep their behaviour; the five short kinds, their lengths
-- and reminders are examples for the hospital to confirm (docs/clinical.md).
INSERT INTO visit_kind (key, name_en, name_nl, is_stay, default_minutes, reminders, position, updated_at) VALUES
    ('admission', 'Hospital stay', 'Opname', 1, NULL, NULL, 1, '2027-01-01T00:00:00.000000Z'),
    ('day_visit', 'Day visit', 'Dagbehandeling', 0, NULL, NULL, 2, '2027-01-01T00:00:00.000000Z'),
    ('home_infusion', 'Home infusion', 'Infuus thuis', 0, NULL, NULL, 3, '2027-01-01T00:00:00.000000Z'),
    ('scan', 'Scan', 'Scan', 0, 90,
     '[{"days_before": 3, "at": "18:00"}, {"days_before": 1, "at": "18:00"}]', 4, '2027-01-01T00:00:00.000000Z'),
    ('hearing_test', 'Hearing test', 'Gehoortest', 0, 60,
     '[{"days_before": 1, "at": "18:00"}]', 5, '2027-01-01T00:00:00.000000Z'),
    ('heart_echo', 'Heart echo', 'Hartecho', 0, 45,
     '[{"days_before": 1, "at": "18:00"}]', 6, '2027-01-01T00:00:00.000000Z'),
    ('outpatient_check', 'Outpatient check', 'Controle op de poli', 0, 30,
     '[{"days_before": 1, "at": "18:00"}]', 7, '2027-01-01T00:00:00.000000Z'),
    ('local_blood_test', 'Blood test at the local hospital', 'Bloedprikken in het ziekenhuis dichtbij', 0, 15,
     '[{"days_before": 1, "at": "18:00"}]', 8, '2027-01-01T00:00:00.000000Z');

-- visit.kind was a CHECK on the three old kinds; SQLite cannot change a CHECK, so the
-- table is rebuilt (ids, UIDs, sequences and every row kept) with kind referencing
-- visit_kind and a title of its own ('' : the kind's name).
--
-- Foreign keys are on while migrations run, so dropping the old table would delete the
-- plan_change rows that point at a visit (ON DELETE CASCADE) and clear the visit of
-- medication periods and notification jobs (ON DELETE SET NULL). What they pointed at is
-- kept aside first and put back once the new table has the old name.
CREATE TEMP TABLE kept_plan_change AS SELECT * FROM plan_change WHERE visit_id IS NOT NULL;
CREATE TEMP TABLE kept_period_visit AS
    SELECT id, visit_id FROM medication_period WHERE visit_id IS NOT NULL;
CREATE TEMP TABLE kept_job_visit AS
    SELECT id, visit_id FROM notification_job WHERE visit_id IS NOT NULL;

CREATE TABLE visit_new (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES treatment_plan (id) ON DELETE CASCADE,
    course_number INTEGER NOT NULL CHECK (course_number >= 1),
    kind TEXT NOT NULL REFERENCES visit_kind (key),
    -- What the family reads for a short visit ("MIBG scan"); '' shows the kind's name.
    title TEXT NOT NULL DEFAULT '',
    starts_local TEXT NOT NULL,
    ends_local TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    family_note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planned', 'confirmed', 'changed', 'completed', 'cancelled')),
    -- Stable identity and change counter for calendar apps (iCalendar UID and SEQUENCE).
    uid TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (ends_local > starts_local)
);
INSERT INTO visit_new (id, plan_id, course_number, kind, title, starts_local, ends_local, time_zone,
                       location, family_note, status, uid, sequence, changed_at, created_at)
SELECT id, plan_id, course_number, kind, '', starts_local, ends_local, time_zone,
       location, family_note, status, uid, sequence, changed_at, created_at
  FROM visit;

DROP TABLE visit;
ALTER TABLE visit_new RENAME TO visit;
CREATE INDEX visit_by_plan ON visit (plan_id, starts_local);
CREATE INDEX visit_by_start ON visit (starts_local);
-- Whether a kind is in use (a kind in use cannot be deleted), and the foreign key.
CREATE INDEX visit_by_kind ON visit (kind);

INSERT INTO plan_change SELECT * FROM temp.kept_plan_change;
UPDATE medication_period
   SET visit_id = (SELECT kept.visit_id FROM temp.kept_period_visit AS kept
                    WHERE kept.id = medication_period.id)
 WHERE id IN (SELECT id FROM temp.kept_period_visit);
UPDATE notification_job
   SET visit_id = (SELECT kept.visit_id FROM temp.kept_job_visit AS kept
                    WHERE kept.id = notification_job.id)
 WHERE id IN (SELECT id FROM temp.kept_job_visit);
DROP TABLE temp.kept_plan_change;
DROP TABLE temp.kept_period_visit;
DROP TABLE temp.kept_job_visit;

-- The short visits of the plan template: a JSON list like
-- [{"kind": "hearing_test", "course": 1, "day": -6, "time": "10:00"}]: day 1 is the first
-- day of that course, so day -6 is a week before it and day 36 five weeks after.
ALTER TABLE plan_template ADD COLUMN short_visits TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(short_visits));

-- The time of day a caregiver wants the reminders "1 day before" (NULL: the hospital's
-- time of the visit kind or of /admin/reminders).
ALTER TABLE notification_preference ADD COLUMN reminder_time TEXT
    CHECK (reminder_time IS NULL OR reminder_time GLOB '[0-2][0-9]:[0-5][0-9]');
