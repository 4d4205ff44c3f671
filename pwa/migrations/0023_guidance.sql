-- The hospital's own guidance pages for families (what happens in a course, pain at home,
-- when to call, ...), written by admins in Markdown. A page has a stable slug (its
-- address) and a place in the list; its words are per language in guidance_text, so a
-- language is added without a schema change. "Reviewed for clinical use" is a mark with
-- who and when; changing a page's words removes it (pwa/guidance/store.py).

CREATE TABLE guidance_page (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE
        CHECK (length(slug) BETWEEN 1 AND 60 AND slug NOT GLOB '*[^a-z0-9-]*'),
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    reviewed_by INTEGER REFERENCES account (id),
    reviewed_at TEXT,
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL))
);
CREATE INDEX guidance_page_by_position ON guidance_page (position, id);

CREATE TABLE guidance_text (
    page_id INTEGER NOT NULL REFERENCES guidance_page (id) ON DELETE CASCADE,
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 8),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body_markdown TEXT NOT NULL CHECK (length(body_markdown) BETWEEN 1 AND 20000),
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES account (id),
    PRIMARY KEY (page_id, language)
);
