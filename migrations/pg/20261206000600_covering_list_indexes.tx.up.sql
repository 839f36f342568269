-- The lists read by value (a theme, a mode, a language) are read for the IDs
-- of their owners: an index on (value, owner) answers from the index alone,
-- where the index on the value alone read every row it found (at 100,000
-- rows, practices on a theme were listed in 18 ms instead of 2). The status
-- and the search key beside a row's ID let a page count the shown practices
-- and challenges, and search names and titles, from an index too, without
-- reading the rows' texts (a search of a word no title holds: 135 ms
-- instead of 15 at 50,000 practices). IF NOT EXISTS and IF EXISTS: the
-- migration can run again after a crash between its commit and its mark.
CREATE INDEX IF NOT EXISTS practice_themes_theme_owner_idx ON practice_themes (theme, practice_id);
DROP INDEX IF EXISTS practice_themes_theme_idx;
CREATE INDEX IF NOT EXISTS challenge_themes_theme_owner_idx ON challenge_themes (theme, challenge_id);
DROP INDEX IF EXISTS challenge_themes_theme_idx;
CREATE INDEX IF NOT EXISTS challenge_modes_mode_owner_idx ON challenge_modes (mode, challenge_id);
DROP INDEX IF EXISTS challenge_modes_mode_idx;
CREATE INDEX IF NOT EXISTS city_languages_language_owner_idx ON city_languages (language, city_id);
DROP INDEX IF EXISTS city_languages_language_idx;
CREATE INDEX IF NOT EXISTS expert_languages_language_owner_idx ON expert_languages (language, expert_id);
DROP INDEX IF EXISTS expert_languages_language_idx;
CREATE INDEX IF NOT EXISTS expert_modes_mode_owner_idx ON expert_modes (mode, expert_id);
DROP INDEX IF EXISTS expert_modes_mode_idx;
CREATE INDEX IF NOT EXISTS expert_themes_theme_owner_idx ON expert_themes (theme, expert_id);
DROP INDEX IF EXISTS expert_themes_theme_idx;
CREATE INDEX IF NOT EXISTS cities_region_id_idx ON cities (region, id);
DROP INDEX IF EXISTS cities_region_idx;
CREATE INDEX IF NOT EXISTS cities_country_id_idx ON cities (country, id);
DROP INDEX IF EXISTS cities_country_idx;
CREATE INDEX IF NOT EXISTS practices_id_status_search_idx ON practices (id, status, search_key);
CREATE INDEX IF NOT EXISTS challenges_id_status_search_idx ON challenges (id, status, search_key);
CREATE INDEX IF NOT EXISTS cities_id_search_idx ON cities (id, search_key);
CREATE INDEX IF NOT EXISTS experts_id_search_idx ON experts (id, search_key);
