-- Messages between a family and the ward: one conversation per child. A family's message
-- arrives through the outbox like a report (docs/api.md, "Messages"), exactly once by the
-- UUID the phone made; a nurse's message gets a UUID when her form is drawn, so a double
-- tap stores it once too. The care team's replies to reports stay in report_reply; the
-- conversation pages show both (pwa/messages/thread.py).
CREATE TABLE message (
    id INTEGER PRIMARY KEY,
    client_uuid TEXT NOT NULL UNIQUE,
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES account (id) ON DELETE SET NULL,
    -- 1: written by the ward (a nurse), 0: by a caregiver of the child.
    from_ward INTEGER NOT NULL CHECK (from_ward IN (0, 1)),
    body TEXT NOT NULL,
    -- The family ticked "urgent": kept for escalation; the composer tells them to call.
    urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- When the other side first opened the conversation after it arrived, and who did.
    read_at TEXT,
    read_by INTEGER REFERENCES account (id) ON DELETE SET NULL
);
CREATE INDEX message_by_child ON message (child_id, id);
-- The unread counts in the menu and the nurses' list of conversations.
CREATE INDEX message_unread ON message (from_ward, child_id) WHERE read_at IS NULL;

-- Which nurse is handling a child's conversation (pwa/reviews/claims.py, as for reports).
CREATE TABLE conversation_claim (
    child_id INTEGER PRIMARY KEY REFERENCES child (id) ON DELETE CASCADE,
    nurse_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    claimed_at TEXT NOT NULL
);

-- A push about a message names it, as a reply's push names its report.
ALTER TABLE notification_job ADD COLUMN message_id INTEGER REFERENCES message (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX notification_job_per_message
    ON notification_job (message_id, kind, channel, revision, IFNULL(recipient_id, 0))
    WHERE message_id IS NOT NULL;
