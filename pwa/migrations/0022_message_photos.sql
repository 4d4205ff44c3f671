-- One photo a caregiver may add to a message to the ward (a rash, a swollen line site),
-- under the same rules as report photos (pwa/photos.py): a re-encoded JPEG without
-- metadata in <INSTANCE_PATH>/photos/, never under static/. This row says which file,
-- and whose it is through its message. It arrives after its message, by its own upload
-- (docs/api.md, "Message photos").
CREATE TABLE message_photo (
    id INTEGER PRIMARY KEY,
    -- At most one photo per message; removing the message (or its child) removes the row.
    message_id INTEGER NOT NULL UNIQUE REFERENCES message (id) ON DELETE CASCADE,
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
