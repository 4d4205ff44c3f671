-- Photos attached to a diary report (a rash, a line site): at most 3 per report.
-- The image itself is a re-encoded JPEG (no EXIF, no GPS) in <INSTANCE_PATH>/photos/,
-- never under static/; this row says which file, and whose it is through its report.

CREATE TABLE report_photo (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    -- The phone's id for the photo: a retried upload with the same id is a duplicate.
    client_uuid TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL DEFAULT 'image/jpeg' CHECK (content_type = 'image/jpeg'),
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    byte_size INTEGER NOT NULL CHECK (byte_size > 0),
    -- A random name made by the server (never the uploaded file's name).
    file_name TEXT NOT NULL UNIQUE,
    uploaded_by INTEGER REFERENCES account (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX report_photo_by_report ON report_photo (report_id, id);

-- The app checks the limit in the same transaction; this keeps it true whatever writes.
CREATE TRIGGER report_photo_at_most_three
BEFORE INSERT ON report_photo
WHEN (SELECT COUNT(*) FROM report_photo WHERE report_id = NEW.report_id) >= 3
BEGIN
    SELECT RAISE(ABORT, 'a report has at most 3 photos');
END;
