-- The emergency card: what a doctor who has never seen the child needs, filled in by the
-- care team on the child's page (docs/clinical.md, "Emergency card"). One row per child,
-- made at the first save. 'unknown' and empty text mean "not filled in by the team yet",
-- which the card says in words; 'none' means the team recorded that there is no line.
CREATE TABLE emergency_card (
    child_id INTEGER PRIMARY KEY REFERENCES child (id) ON DELETE CASCADE,
    central_line TEXT NOT NULL DEFAULT 'unknown'
        CHECK (central_line IN ('unknown', 'port', 'tunnelled', 'picc', 'none')),
    allergies TEXT NOT NULL DEFAULT '',
    -- The team's own weighing, with its day; the card shows it or the family's newer report.
    weight_kg REAL CHECK (weight_kg IS NULL OR weight_kg > 0),
    weighed_on TEXT,
    updated_by INTEGER REFERENCES account (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    CHECK ((weight_kg IS NULL) = (weighed_on IS NULL))
);
