-- E-mail reminders: a caregiver whose phone cannot show pushes (an iPhone without the app
-- on its Home Screen, a phone that revoked its subscription) can have the reminders before
-- a visit, and the notice that a date changed, sent by e-mail too. Off until the caregiver
-- switches it on (docs/reminders.md, "E-mail reminders").
ALTER TABLE notification_preference
    ADD COLUMN email_reminders INTEGER NOT NULL DEFAULT 0 CHECK (email_reminders IN (0, 1));

-- When the push service last said one of this account's devices is gone (404/410: an
-- iPhone drops a site's subscription, a browser's data was cleared). The device's row is
-- deleted then, so this is how the app still knows to offer e-mail (store.push_in_trouble).
ALTER TABLE notification_preference ADD COLUMN push_lost_at TEXT;
