-- Closing the loop: nurses open, review and answer reports. These rows never change what
-- the family wrote (docs/api.md, reports).

-- Who is looking at a report right now ("being handled by"), so two nurses don't both phone.
CREATE TABLE report_claim (
    report_id INTEGER PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE,
    nurse_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    claimed_at TEXT NOT NULL
);

CREATE TABLE report_review (
    report_id INTEGER PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE,
    nurse_id INTEGER REFERENCES account (id) ON DELETE SET NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('reviewed', 'phoned', 'come_in')),
    reviewed_at TEXT NOT NULL
);

CREATE TABLE report_reply (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    nurse_id INTEGER REFERENCES account (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- When a caregiver of the child first opened it (the nurse sees "read").
    read_at TEXT
);
CREATE INDEX report_reply_by_report ON report_reply (report_id);
