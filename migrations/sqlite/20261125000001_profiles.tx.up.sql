-- Profiles: cities, practices, challenges, experts and their lists as join tables.
-- Every statement is IF NOT EXISTS so that a run interrupted after its commit but
-- before being marked applied can be retried cleanly.
CREATE TABLE IF NOT EXISTS cities (
    id            TEXT      PRIMARY KEY,
    name          TEXT     NOT NULL,
    search_key    TEXT             NOT NULL,
    country       TEXT          NOT NULL,
    region        TEXT      NOT NULL,
    population    INTEGER,
    kind          TEXT      NOT NULL,
    latitude      REAL,
    longitude     REAL,
    contact_name  TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    created_at    TIMESTAMP      NOT NULL,
    updated_at    TIMESTAMP      NOT NULL,
    version       INTEGER           NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS cities_country_idx ON cities (country);
--bun:split
CREATE INDEX IF NOT EXISTS cities_region_idx ON cities (region);
--bun:split
CREATE TABLE IF NOT EXISTS city_languages (
    city_id  TEXT NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
    language TEXT  NOT NULL,
    position INTEGER     NOT NULL,
    PRIMARY KEY (city_id, language)
);
--bun:split
CREATE INDEX IF NOT EXISTS city_languages_language_idx ON city_languages (language);
--bun:split
CREATE TABLE IF NOT EXISTS practices (
    id              TEXT  PRIMARY KEY,
    city_id         TEXT  NOT NULL REFERENCES cities (id),
    title           TEXT NOT NULL,
    search_key      TEXT         NOT NULL,
    description     TEXT         NOT NULL,
    language        TEXT   NOT NULL,
    period_start    INTEGER,
    period_end      INTEGER,
    results         TEXT         NOT NULL DEFAULT '',
    lessons_learned TEXT         NOT NULL DEFAULT '',
    transferability TEXT         NOT NULL DEFAULT '',
    status          TEXT  NOT NULL,
    created_at      TIMESTAMP  NOT NULL,
    updated_at      TIMESTAMP  NOT NULL,
    version         INTEGER       NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS practices_city_idx ON practices (city_id);
--bun:split
CREATE TABLE IF NOT EXISTS practice_themes (
    practice_id TEXT NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    theme       TEXT NOT NULL,
    position    INTEGER     NOT NULL,
    PRIMARY KEY (practice_id, theme)
);
--bun:split
CREATE INDEX IF NOT EXISTS practice_themes_theme_idx ON practice_themes (theme);
--bun:split
CREATE TABLE IF NOT EXISTS challenges (
    id               TEXT  PRIMARY KEY,
    city_id          TEXT  NOT NULL REFERENCES cities (id),
    title            TEXT NOT NULL,
    search_key       TEXT         NOT NULL,
    description      TEXT         NOT NULL,
    language         TEXT   NOT NULL,
    strategic_result TEXT         NOT NULL DEFAULT '',
    timeframe_from   TEXT,
    timeframe_until  TEXT,
    status           TEXT  NOT NULL,
    created_at       TIMESTAMP  NOT NULL,
    updated_at       TIMESTAMP  NOT NULL,
    version          INTEGER       NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS challenges_city_idx ON challenges (city_id);
--bun:split
CREATE TABLE IF NOT EXISTS challenge_themes (
    challenge_id TEXT NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    theme        TEXT NOT NULL,
    position     INTEGER     NOT NULL,
    PRIMARY KEY (challenge_id, theme)
);
--bun:split
CREATE INDEX IF NOT EXISTS challenge_themes_theme_idx ON challenge_themes (theme);
--bun:split
CREATE TABLE IF NOT EXISTS challenge_modes (
    challenge_id TEXT NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    mode         TEXT NOT NULL,
    position     INTEGER     NOT NULL,
    PRIMARY KEY (challenge_id, mode)
);
--bun:split
CREATE TABLE IF NOT EXISTS challenge_skills (
    challenge_id TEXT  NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    skill        TEXT NOT NULL,
    position     INTEGER      NOT NULL,
    PRIMARY KEY (challenge_id, skill)
);
--bun:split
CREATE TABLE IF NOT EXISTS experts (
    id              TEXT  PRIMARY KEY,
    name            TEXT NOT NULL,
    search_key      TEXT         NOT NULL,
    role            TEXT  NOT NULL,
    seniority       TEXT  NOT NULL,
    city_id         TEXT  REFERENCES cities (id),
    country         TEXT      NOT NULL,
    bio             TEXT         NOT NULL DEFAULT '',
    capacity        INTEGER      NOT NULL,
    available_from  TEXT,
    available_until TEXT,
    active          BOOLEAN      NOT NULL,
    contact_name    TEXT,
    contact_email   TEXT,
    contact_phone   TEXT,
    created_at      TIMESTAMP  NOT NULL,
    updated_at      TIMESTAMP  NOT NULL,
    version         INTEGER       NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS experts_city_idx ON experts (city_id);
--bun:split
CREATE INDEX IF NOT EXISTS experts_country_idx ON experts (country);
--bun:split
CREATE TABLE IF NOT EXISTS expert_languages (
    expert_id TEXT NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    language  TEXT  NOT NULL,
    position  INTEGER     NOT NULL,
    PRIMARY KEY (expert_id, language)
);
--bun:split
CREATE INDEX IF NOT EXISTS expert_languages_language_idx ON expert_languages (language);
--bun:split
CREATE TABLE IF NOT EXISTS expert_themes (
    expert_id TEXT NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    theme     TEXT NOT NULL,
    position  INTEGER     NOT NULL,
    PRIMARY KEY (expert_id, theme)
);
--bun:split
CREATE INDEX IF NOT EXISTS expert_themes_theme_idx ON expert_themes (theme);
--bun:split
CREATE TABLE IF NOT EXISTS expert_skills (
    expert_id TEXT  NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    skill     TEXT NOT NULL,
    position  INTEGER      NOT NULL,
    PRIMARY KEY (expert_id, skill)
);
--bun:split
CREATE TABLE IF NOT EXISTS expert_modes (
    expert_id TEXT NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    mode      TEXT NOT NULL,
    position  INTEGER     NOT NULL,
    PRIMARY KEY (expert_id, mode)
);
--bun:split
CREATE TABLE IF NOT EXISTS expert_track_records (
    expert_id TEXT  NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    position  INTEGER      NOT NULL,
    title     TEXT NOT NULL,
    summary   TEXT         NOT NULL DEFAULT '',
    year      INTEGER,
    PRIMARY KEY (expert_id, position)
);
