-- Profiles: cities, practices, challenges, experts and their lists as join tables.
-- Every statement is IF NOT EXISTS so that a run interrupted after its commit but
-- before being marked applied can be retried cleanly.
CREATE TABLE IF NOT EXISTS cities (
    id            varchar(32)      PRIMARY KEY,
    name          varchar(300)     NOT NULL,
    search_key    text             NOT NULL,
    country       char(2)          NOT NULL,
    region        varchar(32)      NOT NULL,
    population    bigint,
    kind          varchar(32)      NOT NULL,
    latitude      double precision,
    longitude     double precision,
    contact_name  varchar(300),
    contact_email varchar(254),
    contact_phone varchar(50),
    created_at    timestamptz      NOT NULL,
    updated_at    timestamptz      NOT NULL,
    version       bigint           NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS cities_country_idx ON cities (country);
--bun:split
CREATE INDEX IF NOT EXISTS cities_region_idx ON cities (region);
--bun:split
CREATE TABLE IF NOT EXISTS city_languages (
    city_id  varchar(32) NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
    language varchar(8)  NOT NULL,
    position integer     NOT NULL,
    PRIMARY KEY (city_id, language)
);
--bun:split
CREATE INDEX IF NOT EXISTS city_languages_language_idx ON city_languages (language);
--bun:split
CREATE TABLE IF NOT EXISTS practices (
    id              varchar(32)  PRIMARY KEY,
    city_id         varchar(32)  NOT NULL REFERENCES cities (id),
    title           varchar(300) NOT NULL,
    search_key      text         NOT NULL,
    description     text         NOT NULL,
    language        varchar(8)   NOT NULL,
    period_start    integer,
    period_end      integer,
    results         text         NOT NULL DEFAULT '',
    lessons_learned text         NOT NULL DEFAULT '',
    transferability text         NOT NULL DEFAULT '',
    status          varchar(16)  NOT NULL,
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL,
    version         bigint       NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS practices_city_idx ON practices (city_id);
--bun:split
CREATE TABLE IF NOT EXISTS practice_themes (
    practice_id varchar(32) NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    theme       varchar(64) NOT NULL,
    position    integer     NOT NULL,
    PRIMARY KEY (practice_id, theme)
);
--bun:split
CREATE INDEX IF NOT EXISTS practice_themes_theme_idx ON practice_themes (theme);
--bun:split
CREATE TABLE IF NOT EXISTS challenges (
    id               varchar(32)  PRIMARY KEY,
    city_id          varchar(32)  NOT NULL REFERENCES cities (id),
    title            varchar(300) NOT NULL,
    search_key       text         NOT NULL,
    description      text         NOT NULL,
    language         varchar(8)   NOT NULL,
    strategic_result text         NOT NULL DEFAULT '',
    timeframe_from   varchar(10),
    timeframe_until  varchar(10),
    status           varchar(16)  NOT NULL,
    created_at       timestamptz  NOT NULL,
    updated_at       timestamptz  NOT NULL,
    version          bigint       NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS challenges_city_idx ON challenges (city_id);
--bun:split
CREATE TABLE IF NOT EXISTS challenge_themes (
    challenge_id varchar(32) NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    theme        varchar(64) NOT NULL,
    position     integer     NOT NULL,
    PRIMARY KEY (challenge_id, theme)
);
--bun:split
CREATE INDEX IF NOT EXISTS challenge_themes_theme_idx ON challenge_themes (theme);
--bun:split
CREATE TABLE IF NOT EXISTS challenge_modes (
    challenge_id varchar(32) NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    mode         varchar(16) NOT NULL,
    position     integer     NOT NULL,
    PRIMARY KEY (challenge_id, mode)
);
--bun:split
CREATE TABLE IF NOT EXISTS challenge_skills (
    challenge_id varchar(32)  NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    skill        varchar(100) NOT NULL,
    position     integer      NOT NULL,
    PRIMARY KEY (challenge_id, skill)
);
--bun:split
CREATE TABLE IF NOT EXISTS experts (
    id              varchar(32)  PRIMARY KEY,
    name            varchar(300) NOT NULL,
    search_key      text         NOT NULL,
    role            varchar(32)  NOT NULL,
    seniority       varchar(16)  NOT NULL,
    city_id         varchar(32)  REFERENCES cities (id),
    country         char(2)      NOT NULL,
    bio             text         NOT NULL DEFAULT '',
    capacity        integer      NOT NULL,
    available_from  varchar(10),
    available_until varchar(10),
    active          boolean      NOT NULL,
    contact_name    varchar(300),
    contact_email   varchar(254),
    contact_phone   varchar(50),
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL,
    version         bigint       NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS experts_city_idx ON experts (city_id);
--bun:split
CREATE INDEX IF NOT EXISTS experts_country_idx ON experts (country);
--bun:split
CREATE TABLE IF NOT EXISTS expert_languages (
    expert_id varchar(32) NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    language  varchar(8)  NOT NULL,
    position  integer     NOT NULL,
    PRIMARY KEY (expert_id, language)
);
--bun:split
CREATE INDEX IF NOT EXISTS expert_languages_language_idx ON expert_languages (language);
--bun:split
CREATE TABLE IF NOT EXISTS expert_themes (
    expert_id varchar(32) NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    theme     varchar(64) NOT NULL,
    position  integer     NOT NULL,
    PRIMARY KEY (expert_id, theme)
);
--bun:split
CREATE INDEX IF NOT EXISTS expert_themes_theme_idx ON expert_themes (theme);
--bun:split
CREATE TABLE IF NOT EXISTS expert_skills (
    expert_id varchar(32)  NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    skill     varchar(100) NOT NULL,
    position  integer      NOT NULL,
    PRIMARY KEY (expert_id, skill)
);
--bun:split
CREATE TABLE IF NOT EXISTS expert_modes (
    expert_id varchar(32) NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    mode      varchar(16) NOT NULL,
    position  integer     NOT NULL,
    PRIMARY KEY (expert_id, mode)
);
--bun:split
CREATE TABLE IF NOT EXISTS expert_track_records (
    expert_id varchar(32)  NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
    position  integer      NOT NULL,
    title     varchar(300) NOT NULL,
    summary   text         NOT NULL DEFAULT '',
    year      integer,
    PRIMARY KEY (expert_id, position)
);
