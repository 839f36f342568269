-- Access: API keys, the append-only audit trail and the stored answers of
-- POSTs sent with an Idempotency-Key.
--
-- An API key keeps the SHA-256 digest of its secret (hex), never the secret,
-- and its first characters (prefix) for people to tell keys apart. city_id and
-- expert_id carry no foreign key, like the expert IDs of proposals: the erasure
-- of an expert keeps their revoked keys under a pseudonym, and a key whose city
-- or expert is gone simply stops authenticating (the store checks on lookup).
CREATE TABLE IF NOT EXISTS api_keys (
    id          TEXT      PRIMARY KEY,
    name        TEXT      NOT NULL,
    role        TEXT      NOT NULL,
    city_id     TEXT,
    expert_id   TEXT,
    scope       TEXT,
    prefix      TEXT      NOT NULL,
    secret_hash TEXT      NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_secret_hash_idx ON api_keys (secret_hash);
--bun:split
CREATE INDEX IF NOT EXISTS api_keys_city_idx ON api_keys (city_id);
--bun:split
CREATE INDEX IF NOT EXISTS api_keys_expert_idx ON api_keys (expert_id);
--bun:split
-- The audit trail: one row per write, never changed or removed (the triggers
-- below refuse it). key_id is '' for an anonymous request.
CREATE TABLE IF NOT EXISTS audit_log (
    id          TEXT      PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    key_id      TEXT      NOT NULL DEFAULT '',
    role        TEXT      NOT NULL DEFAULT '',
    actor       TEXT      NOT NULL DEFAULT '',
    method      TEXT      NOT NULL,
    path        TEXT      NOT NULL,
    resource    TEXT      NOT NULL DEFAULT '',
    resource_id TEXT      NOT NULL DEFAULT '',
    status      INTEGER   NOT NULL,
    request_id  TEXT      NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS audit_log_key_idx ON audit_log (key_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS audit_log_resource_idx ON audit_log (resource, resource_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
--bun:split
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
--bun:split
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
--bun:split
-- The first answer to a POST sent with an Idempotency-Key, by who sent it
-- (scope) and the key. status is 0 while the first request is being served;
-- header is a JSON object (TEXT); body is the response as sent.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope        TEXT      NOT NULL,
    idem_key     TEXT      NOT NULL,
    method       TEXT      NOT NULL,
    path         TEXT      NOT NULL,
    body_hash    TEXT      NOT NULL DEFAULT '',
    status       INTEGER   NOT NULL DEFAULT 0,
    header       TEXT,
    body         BLOB,
    created_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    PRIMARY KEY (scope, idem_key)
);
--bun:split
CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx ON idempotency_keys (created_at);
--bun:split
-- Who may see whose contact details: the cities a city is the partner of.
CREATE INDEX IF NOT EXISTS proposal_members_partner_city_idx ON proposal_members (partner_city_id);
