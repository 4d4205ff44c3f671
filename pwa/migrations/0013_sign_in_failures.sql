-- Failed sign-in attempts (wrong password or wrong second-factor code), kept for the
-- limit's window only and shared by every server process (docs/deploy.md). `subject` is
-- a SHA-256 of what was counted (an e-mail address, a known device with its account, or
-- a client address), so the table holds no addresses in the clear.
CREATE TABLE sign_in_failure (
    id INTEGER PRIMARY KEY,
    subject BLOB NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX sign_in_failure_subject ON sign_in_failure (subject, failed_at);
CREATE INDEX sign_in_failure_time ON sign_in_failure (failed_at);
