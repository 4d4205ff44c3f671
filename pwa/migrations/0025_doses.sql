-- Doses at home (docs/clinical.md, "Doses at home"; docs/api.md, "Doses"): the hospital's
-- list of home medicines, which medicine a period is and the prescription as the nurse
-- wrote it, the family's dose times, each dose the family records, and the rule that
-- flags a child on the nurses' list. The app never calculates a dose: it stores and shows
-- the nurse's text.

-- The admin's list of home medicines, each named in Dutch and English (a page in another
-- language falls back to the Dutch name, then the English one). `key` matches the medicine
-- name a template row gives ("isotretinoin"), so new plans' periods name their medicine.
CREATE TABLE home_medicine (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name_nl TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    -- Shipped as an example: "example — to be confirmed by the hospital" until an admin says otherwise.
    example INTEGER NOT NULL DEFAULT 0 CHECK (example IN (0, 1)),
    position INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (name_nl != '' OR name_en != '')
);

INSERT INTO home_medicine (key, name_nl, name_en, example, position, updated_at) VALUES
    ('isotretinoin', 'Isotretinoïne', 'Isotretinoin', 0, 1, '2027-01-01T00:00:00.000000Z'),
    ('gabapentin', 'Gabapentine', 'Gabapentin', 1, 2, '2027-01-01T00:00:00.000000Z'),
    ('morphine-wean', 'Morfine (afbouwschema)', 'Morphine (weaning)', 1, 3, '2027-01-01T00:00:00.000000Z');

-- Which medicine a period is, and the prescribed amount exactly as the nurse typed it
-- from the prescription ("20 mg twice a day with food"). Existing periods named after a
-- medicine of the list are linked to it.
ALTER TABLE medication_period ADD COLUMN medicine_id INTEGER REFERENCES home_medicine (id);
ALTER TABLE medication_period ADD COLUMN prescription TEXT NOT NULL DEFAULT '';
UPDATE medication_period
   SET medicine_id = (SELECT id FROM home_medicine WHERE home_medicine.key = medication_period.name);

-- The family's dose times for one medicine of one child: shared by all its caregivers, so
-- both parents see the same doses. A change applies from `from_day` (a local date) on;
-- the days before keep the times they had, so the record of a past day never moves.
CREATE TABLE dose_schedule (
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    medicine_id INTEGER NOT NULL REFERENCES home_medicine (id) ON DELETE CASCADE,
    from_day TEXT NOT NULL,
    -- JSON list of local times, sorted: ["08:00", "20:00"]; empty: no dose times.
    times TEXT NOT NULL,
    set_by INTEGER REFERENCES account (id) ON DELETE SET NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (child_id, medicine_id, from_day)
);

-- Until now each caregiver chose up to two medication reminder times for all their
-- children. They become the child's dose times (the first caregiver's, when two chose),
-- and whoever chose times keeps getting reminders at the dose times. The old column is no
-- longer read or written.
ALTER TABLE notification_preference
    ADD COLUMN dose_reminders INTEGER NOT NULL DEFAULT 0 CHECK (dose_reminders IN (0, 1));
UPDATE notification_preference SET dose_reminders = 1 WHERE medication_times != '[]';
INSERT OR IGNORE INTO dose_schedule (child_id, medicine_id, from_day, times, set_by, set_at)
SELECT caregiver_child.child_id, medication_period.medicine_id, '0001-01-01',
       notification_preference.medication_times, notification_preference.account_id,
       notification_preference.updated_at
  FROM notification_preference
  JOIN caregiver_child ON caregiver_child.caregiver_id = notification_preference.account_id
  JOIN treatment_plan ON treatment_plan.child_id = caregiver_child.child_id
  JOIN medication_period ON medication_period.plan_id = treatment_plan.id
 WHERE notification_preference.medication_times != '[]' AND medication_period.medicine_id IS NOT NULL
 ORDER BY notification_preference.account_id;

-- One dose as a caregiver recorded it, for one dose time of one day of a period. It
-- arrives through the phone's outbox exactly once by the UUID the phone made (as reports
-- and messages do). Two caregivers recording the same dose are both kept, each with who
-- and when: the pages show both, never one hiding the other. Rows are never changed.
CREATE TABLE dose (
    id INTEGER PRIMARY KEY,
    client_uuid TEXT NOT NULL UNIQUE,
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    medication_period_id INTEGER NOT NULL REFERENCES medication_period (id) ON DELETE CASCADE,
    medicine_id INTEGER REFERENCES home_medicine (id) ON DELETE SET NULL,
    -- The dose time this is about: a local date and a local time ("08:00").
    slot_day TEXT NOT NULL,
    slot_time TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('given', 'partly', 'vomited', 'refused', 'missed')),
    note TEXT NOT NULL DEFAULT '',
    -- The nurse's prescription text when the dose was recorded (it may change later).
    prescription TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES account (id) ON DELETE SET NULL,
    -- When the caregiver recorded it on the phone, and when the server received it.
    recorded_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX dose_by_child ON dose (child_id, slot_day, slot_time);
CREATE INDEX dose_by_period ON dose (medication_period_id, slot_day, slot_time);

-- When the nurses' list of children flags a child: at least `min_count` doses that were
-- recorded with one of `outcomes` in the last `within_days` days. Shipped as an example
-- (2 or more missed, refused or vomited in 3 days), to be confirmed by the hospital.
CREATE TABLE dose_flag_rule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    min_count INTEGER NOT NULL CHECK (min_count BETWEEN 1 AND 20),
    within_days INTEGER NOT NULL CHECK (within_days BETWEEN 1 AND 14),
    -- JSON list of outcomes that count, from partly, vomited, refused and missed.
    outcomes TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO dose_flag_rule (id, enabled, min_count, within_days, outcomes, updated_at)
VALUES (1, 1, 2, 3, '["vomited", "refused", "missed"]', '2027-01-01T00:00:00.000000Z');
