-- The language the ward wrote its own words in, where it writes them in one field: a
-- nurse's note on a visit, and the ward's name. Until now both were taken to be Dutch,
-- so a note written in English reached an Arabic-reading parent marked "(in Dutch)".
-- The nurse or admin now says which of the ward's two languages the words are in.
--
-- Notes written before this migration keep the language the app assumed for them.
ALTER TABLE visit ADD COLUMN family_note_language TEXT NOT NULL DEFAULT 'nl'
    CHECK (family_note_language IN ('nl', 'en'));

-- The shipped example name is English; a name an admin saved was taken to be Dutch.
INSERT INTO hospital_setting (name, value)
SELECT 'name_language', 'nl' FROM hospital_setting WHERE name = 'name';
