-- Treatment plans: the template, each child's plan, its visits and home-medication
-- periods, the "what to bring" list, what each caregiver has seen, and calendar feeds.
-- Visits are stored as local date-time text plus an IANA zone (wall-clock time: a 09:00 admission stays 09:00 across DST).

CREATE TABLE plan_template (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    courses INTEGER NOT NULL CHECK (courses BETWEEN 1 AND 20),
    spacing_days INTEGER NOT NULL CHECK (spacing_days BETWEEN 1 AND 120),
    visit_kind TEXT NOT NULL CHECK (visit_kind IN ('admission', 'day_visit', 'home_infusion')),
    visit_days INTEGER NOT NULL CHECK (visit_days BETWEEN 1 AND 30),
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    -- JSON list of {"name": "isotretinoin", "first_day": 19, "last_day": 32}
    medication_periods TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);

CREATE TABLE treatment_plan (
    id INTEGER PRIMARY KEY,
    child_id INTEGER NOT NULL UNIQUE REFERENCES child (id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    courses INTEGER NOT NULL,
    -- Bumped on every change; reminder jobs are unique per (visit, kind, revision).
    revision INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES account (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE visit (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES treatment_plan (id) ON DELETE CASCADE,
    course_number INTEGER NOT NULL CHECK (course_number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('admission', 'day_visit', 'home_infusion')),
    starts_local TEXT NOT NULL,
    ends_local TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    family_note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planned', 'confirmed', 'changed', 'completed', 'cancelled')),
    -- Stable identity and change counter for calendar apps (iCalendar UID and SEQUENCE).
    uid TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (ends_local > starts_local)
);
CREATE INDEX visit_by_plan ON visit (plan_id, starts_local);
CREATE INDEX visit_by_start ON visit (starts_local);

CREATE TABLE medication_period (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES treatment_plan (id) ON DELETE CASCADE,
    course_number INTEGER NOT NULL,
    name TEXT NOT NULL,
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    CHECK (last_date >= first_date)
);
CREATE INDEX medication_period_by_plan ON medication_period (plan_id, first_date);

CREATE TABLE packing_item (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    text_en TEXT NOT NULL,
    text_nl TEXT NOT NULL
);

-- When each caregiver last acknowledged their child's schedule: visits changed after
-- this moment are shown as "changed since you last looked".
CREATE TABLE schedule_seen (
    caregiver_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (caregiver_id, child_id)
);

CREATE TABLE calendar_feed (
    id INTEGER PRIMARY KEY,
    caregiver_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    child_id INTEGER NOT NULL REFERENCES child (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX calendar_feed_by_caregiver ON calendar_feed (caregiver_id, child_id);

INSERT INTO plan_template (id, courses, spacing_days, visit_kind, visit_days, start_time, end_time,
                           time_zone, location, medication_periods, updated_at)
VALUES (1, 5, 35, 'admission', 7, '09:00', '17:00', 'Europe/Amsterdam', '',
        '[{"name": "isotretinoin", "first_day": 19, "last_day": 32}]', '2026-11-27T00:00:00.000000Z');

INSERT INTO packing_item (position, text_en, text_nl) VALUES
    (1, 'Medicines your child takes at home, in their boxes', 'Medicijnen die je kind thuis gebruikt, in de doosjes'),
    (2, 'Comfortable clothes and pyjamas for a week', 'Makkelijke kleding en pyjama''s voor een week'),
    (3, 'Favourite cuddly toy, blanket or pillow', 'Favoriete knuffel, dekentje of kussen'),
    (4, 'Phone and tablet chargers', 'Opladers voor telefoon en tablet'),
    (5, 'Toiletries, including lip balm', 'Toiletspullen, ook lippenbalsem'),
    (6, 'Games, books or school work for quiet hours', 'Spelletjes, boeken of schoolwerk voor rustige uren'),
    (7, 'This week''s symptom notes and questions for the team', 'Je aantekeningen en vragen voor het team');
