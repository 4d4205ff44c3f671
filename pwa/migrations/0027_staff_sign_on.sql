-- Staff single sign-on through the hospital's OpenID provider (docs/access.md, "Staff
-- single sign-on"): which provider account (issuer and subject) is which staff account,
-- and the ID token a session was signed in with, which sign-out hands back to the provider
-- to end its session too (RP-initiated logout).

-- One binding per staff account, one staff account per provider subject. The subject is
-- the provider's stable id for the person; an e-mail address may change or be reused.
CREATE TABLE staff_identity (
    account_id INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    bound_at TEXT NOT NULL,
    UNIQUE (issuer, subject)
);

-- NULL for a session signed in with a password.
ALTER TABLE account_session ADD COLUMN provider_id_token TEXT;
