-- Daily check-ins during risk windows (docs/clinical.md, "Daily check-ins"; docs/reminders.md,
-- "Check-in reminders"). The windows are never stored: they are worked out from each child's
-- plan whenever they are needed (pwa/checkins/windows.py), so a moved stay or medication
-- period moves them at once and no row can go stale. Only the admin's rule is stored.

-- Which days of a plan ask the family for a report: the first `after_stay_days` days after
-- each hospital stay (admission) ends (0: none), and every day of a home-medication period
-- of one of the medicines in `medicine_ids`. Shipped as an example (days 1-3 after each
-- stay, and the isotretinoin weeks), to be confirmed by the hospital.
CREATE TABLE checkin_rule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    after_stay_days INTEGER NOT NULL CHECK (after_stay_days BETWEEN 0 AND 14),
    -- JSON list of home_medicine ids.
    medicine_ids TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);
INSERT INTO checkin_rule (id, after_stay_days, medicine_ids, updated_at)
SELECT 1, 3, json_group_array(id), '2027-01-01T00:00:00.000000Z'
  FROM home_medicine WHERE key = 'isotretinoin';

-- Each caregiver's time for the day's one check-in reminder (local "HH:MM"); NULL: off.
ALTER TABLE notification_preference ADD COLUMN checkin_time TEXT DEFAULT '19:00';

-- A check-in reminder is about one child on one local day (YYYY-MM-DD): exactly one per
-- caregiver and channel, however often the sender plans it.
ALTER TABLE notification_job ADD COLUMN checkin_child_id INTEGER REFERENCES child (id) ON DELETE SET NULL;
ALTER TABLE notification_job ADD COLUMN checkin_day TEXT;
CREATE UNIQUE INDEX notification_job_per_checkin
    ON notification_job (checkin_child_id, checkin_day, kind, channel, revision, IFNULL(recipient_id, 0))
    WHERE checkin_child_id IS NOT NULL;
