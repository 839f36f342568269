-- People who sign in on the pages: a user has an email (lower case, unique),
-- a name, a preferred language ('' for none: the browser's is taken) and a
-- role with the city or expert profile it is bound to, like an API key's.
-- city_id and expert_id carry no foreign key, as for api_keys: a user whose
-- city or expert profile is gone simply stops signing in.
CREATE TABLE IF NOT EXISTS users (
    id          TEXT  PRIMARY KEY,
    email       varchar(254) NOT NULL,
    name        TEXT NOT NULL,
    lang        varchar(8)   NOT NULL DEFAULT '',
    role        varchar(16)  NOT NULL,
    city_id     TEXT,
    expert_id   TEXT,
    invited_by  varchar(200) NOT NULL DEFAULT '',
    created_at  TIMESTAMP  NOT NULL,
    disabled_at TIMESTAMP
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS users_email_idx ON users (email);
--bun:split
CREATE INDEX IF NOT EXISTS users_city_idx ON users (city_id);
--bun:split
CREATE INDEX IF NOT EXISTS users_expert_idx ON users (expert_id);
--bun:split
-- One-time sign-in links: the SHA-256 digest of the secret (hex), never the
-- secret; used once (used_at), until expires_at.
CREATE TABLE IF NOT EXISTS sign_in_links (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
--bun:split
CREATE INDEX IF NOT EXISTS sign_in_links_user_idx ON sign_in_links (user_id);
--bun:split
CREATE INDEX IF NOT EXISTS sign_in_links_expires_idx ON sign_in_links (expires_at);
--bun:split
-- Sessions of signed-in people: the digest of the cookie's secret.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions (user_id);
--bun:split
CREATE INDEX IF NOT EXISTS sessions_expires_idx ON sessions (expires_at);
