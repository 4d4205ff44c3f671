-- The symptom diary: which items the form shows, the red-flag rules (data, edited by the
-- admin), and the reports families send. Reports are append-only for families: a
-- correction is a new report that points at the one it corrects.

CREATE TABLE diary_item_setting (
    key TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1))
);

CREATE TABLE red_flag_rule (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    -- One JSON object in the format of pwa/redflags/rules.py, which the browser runs too.
    definition TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    updated_at TEXT NOT NULL
);

CREATE TABLE report (
    id INTEGER PRIMARY KEY,
    client_uuid TEXT NOT NULL UNIQUE,
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES account (id) ON DELETE SET NULL,
    observed_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- Canonical JSON of the answered items (sorted keys), and the free text.
    items TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    corrects_id INTEGER REFERENCES report (id),
    -- The server's verdict is authoritative; the phone's is kept to spot disagreements.
    level TEXT NOT NULL CHECK (level IN ('green', 'amber', 'red')),
    client_level TEXT CHECK (client_level IN ('green', 'amber', 'red')),
    matched_rules TEXT NOT NULL DEFAULT '[]',
    -- SHA-256 of the canonical (child, observed time, items, note, corrects): a resent
    -- report with the same id is a duplicate only when this matches.
    content_hash TEXT NOT NULL
);
CREATE INDEX report_by_child ON report (child_id, observed_at);
CREATE INDEX report_by_level ON report (level, received_at);

-- Example rules from public sources (docs/clinical.md), to be confirmed by the hospital's clinical team.
INSERT INTO red_flag_rule (position, definition, updated_at) VALUES
 (1, '{"id": "temperature-high", "level": "red", "item": "temperature", "op": ">=", "value": 38.5, "reason": {"en": "Temperature of 38.5 °C or higher", "nl": "Temperatuur van 38,5 °C of hoger"}}', '2026-11-27T00:00:00.000000Z'),
 (2, '{"id": "temperature-twice", "level": "red", "item": "temperature", "op": ">=", "value": 38.0, "count": 2, "within_hours": 24, "reason": {"en": "Temperature of 38.0 °C or higher twice within 24 hours", "nl": "Twee keer binnen 24 uur een temperatuur van 38,0 °C of hoger"}}', '2026-11-27T00:00:00.000000Z'),
 (3, '{"id": "temperature-low", "level": "red", "item": "temperature", "op": "<", "value": 36.0, "reason": {"en": "Temperature below 36.0 °C", "nl": "Temperatuur onder 36,0 °C"}}', '2026-11-27T00:00:00.000000Z'),
 (4, '{"id": "breathing-hard", "level": "red", "item": "breathing", "op": "in", "value": ["hard"], "reason": {"en": "Difficulty breathing", "nl": "Moeite met ademen"}}', '2026-11-27T00:00:00.000000Z'),
 (5, '{"id": "swelling-face", "level": "red", "item": "swelling", "op": "in", "value": ["face"], "reason": {"en": "Swelling of the face, eyes or lips", "nl": "Zwelling van gezicht, ogen of lippen"}}', '2026-11-27T00:00:00.000000Z'),
 (6, '{"id": "urine-none", "level": "red", "item": "urine", "op": "in", "value": ["none_6h"], "reason": {"en": "No urine for 6 hours or more", "nl": "6 uur of langer niet geplast"}}', '2026-11-27T00:00:00.000000Z'),
 (7, '{"id": "nerves-confused", "level": "red", "item": "nerves", "op": "in", "value": ["confused"], "reason": {"en": "Confused, very sleepy or a seizure", "nl": "In de war, erg slaperig of een aanval"}}', '2026-11-27T00:00:00.000000Z'),
 (8, '{"id": "line-problem", "level": "red", "item": "line", "op": "in", "value": ["leaking", "alarm"], "reason": {"en": "Line or pump leaking, disconnected or alarming", "nl": "Lijn of pomp lekt, zit los of geeft alarm"}}', '2026-11-27T00:00:00.000000Z'),
 (9, '{"id": "pain-severe", "level": "red", "item": "pain", "op": ">=", "value": 7, "reason": {"en": "Pain of 7 or more", "nl": "Pijn van 7 of meer"}}', '2026-11-27T00:00:00.000000Z'),
 (10, '{"id": "pain-moderate", "level": "amber", "item": "pain", "op": ">=", "value": 4, "reason": {"en": "Pain of 4 to 6", "nl": "Pijn van 4 tot 6"}}', '2026-11-27T00:00:00.000000Z'),
 (11, '{"id": "temperature-raised", "level": "amber", "item": "temperature", "op": ">=", "value": 38.0, "reason": {"en": "Temperature of 38.0 °C or higher", "nl": "Temperatuur van 38,0 °C of hoger"}}', '2026-11-27T00:00:00.000000Z'),
 (12, '{"id": "breathing-fast", "level": "amber", "item": "breathing", "op": "in", "value": ["fast"], "reason": {"en": "Fast or noisy breathing", "nl": "Snelle of hoorbare ademhaling"}}', '2026-11-27T00:00:00.000000Z'),
 (13, '{"id": "swelling-body", "level": "amber", "item": "swelling", "op": "in", "value": ["legs", "body"], "reason": {"en": "Swelling of the legs or body", "nl": "Zwelling van benen of lichaam"}}', '2026-11-27T00:00:00.000000Z'),
 (14, '{"id": "urine-less", "level": "amber", "item": "urine", "op": "in", "value": ["less"], "reason": {"en": "Less urine than usual", "nl": "Minder plassen dan normaal"}}', '2026-11-27T00:00:00.000000Z'),
 (15, '{"id": "rash-a-lot", "level": "amber", "item": "rash", "op": "in", "value": ["a_lot"], "reason": {"en": "A lot of rash, itching or hives", "nl": "Veel uitslag, jeuk of bultjes"}}', '2026-11-27T00:00:00.000000Z'),
 (16, '{"id": "vomiting-a-lot", "level": "amber", "item": "vomiting", "op": "in", "value": ["a_lot"], "reason": {"en": "A lot of vomiting", "nl": "Veel overgeven"}}', '2026-11-27T00:00:00.000000Z'),
 (17, '{"id": "diarrhoea-a-lot", "level": "amber", "item": "diarrhoea", "op": "in", "value": ["a_lot"], "reason": {"en": "A lot of diarrhoea", "nl": "Veel diarree"}}', '2026-11-27T00:00:00.000000Z'),
 (18, '{"id": "eyes-changed", "level": "amber", "item": "eyes", "op": "in", "value": ["pupils", "blurred", "light"], "reason": {"en": "Changes in the eyes or vision", "nl": "Veranderingen aan de ogen of het zien"}}', '2026-11-27T00:00:00.000000Z'),
 (19, '{"id": "nerves-changed", "level": "amber", "item": "nerves", "op": "in", "value": ["tingling", "weakness", "headache"], "reason": {"en": "Tingling, weakness or headache", "nl": "Tintelingen, zwakte of hoofdpijn"}}', '2026-11-27T00:00:00.000000Z'),
 (20, '{"id": "line-site", "level": "amber", "item": "line", "op": "in", "value": ["red"], "reason": {"en": "Red or painful line site", "nl": "Rode of pijnlijke insteekplek"}}', '2026-11-27T00:00:00.000000Z');
