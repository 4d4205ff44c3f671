-- The FHIR R4 API for the hospital's integration engine (docs/api.md, "FHIR API"):
-- hospital systems registered by an admin (SMART Backend Services clients), the assertion
-- ids each has used (replay refused), their short-lived access tokens, which visits the
-- EHR owns by its Appointment identifier, and the audit log naming a hospital system.

-- A hospital system: its public key set (JWKS, public keys only) and the scopes an admin
-- allowed it (space-separated: system/*.read, system/Appointment.write).
CREATE TABLE fhir_client (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    jwks TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by INTEGER REFERENCES account (id),
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

-- Every client assertion's `jti`, kept until the assertion expires: a second use is refused.
CREATE TABLE fhir_assertion (
    client_id INTEGER NOT NULL REFERENCES fhir_client (id) ON DELETE CASCADE,
    jti TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Access tokens are random and opaque; only their SHA-256 is stored.
CREATE TABLE fhir_token (
    token_hash BLOB PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES fhir_client (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX fhir_token_by_expiry ON fhir_token (expires_at);

-- A visit the EHR created or changed, by its Appointment.identifier. `sequence` is the
-- visit's calendar sequence right after the import: a higher one means somebody changed
-- the visit by hand since, and the next import of it is refused (hazard H26);
-- `refused_at` marks that refusal on the nurses' plan page until the two agree again.
CREATE TABLE visit_import (
    visit_id INTEGER PRIMARY KEY REFERENCES visit (id) ON DELETE CASCADE,
    identifier_system TEXT NOT NULL,
    identifier_value TEXT NOT NULL,
    client_id INTEGER REFERENCES fhir_client (id) ON DELETE SET NULL,
    sequence INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    refused_at TEXT,
    refused_start TEXT,
    UNIQUE (identifier_system, identifier_value)
);

-- Reads and writes by a hospital system name it; actor_id stays for people.
ALTER TABLE audit_log ADD COLUMN fhir_client_id INTEGER;

-- Patients are found by hospital number.
CREATE INDEX child_by_hospital_number ON child (hospital_number);
