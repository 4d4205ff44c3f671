-- One word for one thing: the notifications package, its blueprint and its tables. The
-- preferences hold red-alert and message choices beside reminders, so the table is named
-- for notifications too (SQLite rewrites the references to it).
ALTER TABLE reminder_preference RENAME TO notification_preference;
