-- Accounts, sessions, children, caregiver links, invite/reset codes, hospital settings,
-- and the append-only audit log. Times are UTC ISO-8601 text (see pwa/db.py).

CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('caregiver', 'nurse', 'admin')),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    -- The last accepted TOTP time step: a code is accepted once, never replayed.
    totp_last_step INTEGER,
    locale TEXT,
    privacy_version TEXT,
    privacy_accepted_at TEXT,
    is_demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    nickname TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    hospital_number TEXT,
    created_by INTEGER REFERENCES account (id),
    created_at TEXT NOT NULL,
    closed_at TEXT
);

CREATE TABLE caregiver_child (
    caregiver_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (caregiver_id, child_id)
);
CREATE INDEX caregiver_child_by_child ON caregiver_child (child_id);

-- The cookie carries a random token; only its SHA-256 is stored, so a copy of the
-- database cannot be used to take over a session.
CREATE TABLE account_session (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    csrf_secret TEXT NOT NULL,
    child_id INTEGER REFERENCES child (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX account_session_by_account ON account_session (account_id);

-- Invites (link a new caregiver to a child) and reset codes (set a new password).
-- Codes are capability tokens: only their SHA-256 is stored.
CREATE TABLE access_code (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('invite', 'reset')),
    code_hash BLOB NOT NULL UNIQUE,
    child_id INTEGER REFERENCES child (id) ON DELETE CASCADE,
    account_id INTEGER REFERENCES account (id) ON DELETE CASCADE,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES account (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by INTEGER REFERENCES account (id),
    revoked_at TEXT,
    CHECK ((kind = 'invite' AND child_id IS NOT NULL)
        OR (kind = 'reset' AND account_id IS NOT NULL))
);
CREATE INDEX access_code_by_child ON access_code (child_id);

CREATE TABLE hospital_setting (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- NEN 7513-style access log. No foreign keys: it outlives accounts and purged children.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    child_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_child ON audit_log (child_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
