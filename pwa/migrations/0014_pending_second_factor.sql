-- A staff member's new authenticator key between a correct password and the first code
-- that proves the authenticator holds it (docs/security.md, "Sessions and the second factor"). It used to ride in the
-- signed pre-sign-in cookie, readable by anyone who saw that cookie; now the cookie holds
-- only a random handle, whose SHA-256 is `handle_hash`. One row per account at most,
-- deleted once the key is confirmed and ignored (then deleted) after the five-minute
-- second-factor window (pwa/accounts/enrolment.py).
CREATE TABLE pending_second_factor (
    account_id INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    handle_hash BLOB NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pending_second_factor_time ON pending_second_factor (created_at);
